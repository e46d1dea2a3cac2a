import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Identities and their traces: API keys (only a hash of each token is stored), the audit
 * trail of every mutation, and the project every search space and experiment belongs to
 * (existing rows move into `default`).
 */
export class Access1765065600000 implements MigrationInterface {
  name = 'Access1765065600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE access_role AS ENUM ('viewer', 'operator', 'worker', 'admin')`);
    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        prefix varchar(32) NOT NULL,
        hash char(64) NOT NULL,
        role access_role NOT NULL,
        project varchar(100),
        expires_at timestamptz(3),
        last_used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL,
        created_by varchar(200) NOT NULL,
        revoked_at timestamptz(3),
        CONSTRAINT api_key_hash_unique UNIQUE (hash)
      )`);
    await q.query(`CREATE INDEX api_key_created ON api_key (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE audit_event (
        id uuid PRIMARY KEY,
        at timestamptz(3) NOT NULL,
        principal_kind varchar(16) NOT NULL,
        principal_id varchar(200) NOT NULL,
        principal_name varchar(200) NOT NULL,
        role access_role NOT NULL,
        operation varchar(100) NOT NULL,
        target varchar(200),
        outcome varchar(32) NOT NULL,
        request_id varchar(100),
        transport varchar(16) NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_event_at ON audit_event (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_event_principal ON audit_event (principal_id, at DESC)`);

    await q.query(`ALTER TABLE search_space ADD COLUMN project varchar(100) NOT NULL DEFAULT 'default'`);
    await q.query(`ALTER TABLE experiment ADD COLUMN project varchar(100) NOT NULL DEFAULT 'default'`);
    await q.query(`CREATE INDEX search_space_project_created ON search_space (project, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX experiment_project_created ON experiment (project, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX experiment_project_created`);
    await q.query(`DROP INDEX search_space_project_created`);
    await q.query(`ALTER TABLE experiment DROP COLUMN project`);
    await q.query(`ALTER TABLE search_space DROP COLUMN project`);
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP TABLE api_key`);
    await q.query(`DROP TYPE access_role`);
  }
}
