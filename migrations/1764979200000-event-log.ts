import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The experiment event log (the transactional outbox): every event a transaction causes
 * is stored by that transaction, numbered per experiment without gaps. The counter lives
 * in a table of its own, taken as the last lock of a transaction: on the experiment row it
 * would deadlock a trial transition (trial row, then counter) against a cancellation
 * (experiment row, then its trial rows).
 */
export class EventLog1764979200000 implements MigrationInterface {
  name = 'EventLog1764979200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE experiment_event (
        experiment_id uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        id bigint NOT NULL,
        topic varchar(32) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL,
        PRIMARY KEY (experiment_id, id)
      )`);
    await q.query(`
      CREATE TABLE experiment_event_counter (
        experiment_id uuid PRIMARY KEY REFERENCES experiment (id) ON DELETE CASCADE,
        last_id bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE experiment_event_counter`);
    await q.query(`DROP TABLE experiment_event`);
  }
}
