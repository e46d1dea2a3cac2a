import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The second stage of a search (issue 15): finalists are trials of the same experiment
 * with `stage` FINAL, retrained at a final budget from a proxy trial (`finalist_of`), and
 * the `finalization` row says which round of them is current and how it ended.
 */
export class Finalization1765411200000 implements MigrationInterface {
  name = 'Finalization1765411200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE trial_stage AS ENUM ('SEARCH', 'FINAL')`);
    await q.query(`ALTER TABLE trial ADD COLUMN stage trial_stage NOT NULL DEFAULT 'SEARCH'`);
    await q.query(`ALTER TABLE trial ADD COLUMN finalist_of uuid REFERENCES trial(id) ON DELETE CASCADE`);
    await q.query(`ALTER TABLE trial ADD COLUMN final jsonb`);
    await q.query(`ALTER TABLE trial ADD COLUMN artifact jsonb`);
    // The finalization runner's queue: PENDING finalists of one experiment, oldest first.
    await q.query(`CREATE INDEX trial_final_queue ON trial (experiment_id, sequence) WHERE stage = 'FINAL'`);
    await q.query(`CREATE TYPE finalization_status AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')`);
    await q.query(`
      CREATE TABLE finalization (
        experiment_id uuid PRIMARY KEY REFERENCES experiment(id) ON DELETE CASCADE,
        round integer NOT NULL,
        status finalization_status NOT NULL,
        spec jsonb NOT NULL,
        error text,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        finished_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX finalization_status_idx ON finalization (status)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE finalization`);
    await q.query(`DROP TYPE finalization_status`);
    await q.query(`DROP INDEX trial_final_queue`);
    await q.query(`ALTER TABLE trial DROP COLUMN artifact`);
    await q.query(`ALTER TABLE trial DROP COLUMN final`);
    await q.query(`ALTER TABLE trial DROP COLUMN finalist_of`);
    await q.query(`ALTER TABLE trial DROP COLUMN stage`);
    await q.query(`DROP TYPE trial_stage`);
  }
}
