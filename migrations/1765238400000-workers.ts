import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The worker registry: each `graphnas worker` process registers what it has and renews
 * the registration with its heartbeats. Its id is the identity its trials record as their
 * holder, which can be 245 characters long (`api-key:<uuid>/` and a 200-character name),
 * so the trial's column widens to match (a metadata-only change in PostgreSQL).
 */
export class Workers1765238400000 implements MigrationInterface {
  name = 'Workers1765238400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE trial ALTER COLUMN worker_id TYPE varchar(300)`);
    await q.query(`
      CREATE TABLE worker (
        id varchar(300) PRIMARY KEY,
        name varchar(200) NOT NULL,
        project varchar(100),
        host varchar(255) NOT NULL,
        backend varchar(64) NOT NULL,
        adapter varchar(500),
        cores integer NOT NULL,
        gpu varchar(500),
        datasets jsonb NOT NULL,
        concurrency integer NOT NULL,
        registered_at timestamptz(3) NOT NULL,
        last_heartbeat_at timestamptz(3) NOT NULL,
        expires_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE INDEX worker_registered ON worker (registered_at, id)`);
    await q.query(`CREATE INDEX worker_expires ON worker (expires_at)`);
    // The workers query asks which trials each worker holds; RUNNING trials are few.
    await q.query(`CREATE INDEX trial_running_worker ON trial (worker_id) WHERE status = 'RUNNING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX trial_running_worker`);
    await q.query(`DROP TABLE worker`);
    await q.query(`ALTER TABLE trial ALTER COLUMN worker_id TYPE varchar(200)`);
  }
}
