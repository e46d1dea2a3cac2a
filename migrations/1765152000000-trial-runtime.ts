import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What computed a trial's result (backend and adapter), so a result can be traced to its hardware. */
export class TrialRuntime1765152000000 implements MigrationInterface {
  name = 'TrialRuntime1765152000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE trial ADD COLUMN runtime jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE trial DROP COLUMN runtime`);
  }
}
