import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema. Written by hand rather than generated, so that it states the
 * indexes and ON DELETE rules deliberately; the same file runs on PostgreSQL and PGlite.
 */
export class InitialSchema1764288000000 implements MigrationInterface {
  name = 'InitialSchema1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE experiment_status AS ENUM ('CREATED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED')`);
    await q.query(
      `CREATE TYPE experiment_end_reason AS ENUM ('MAX_TRIALS', 'GOAL_REACHED', 'CONVERGED', 'TOO_MANY_FAILURES', 'TIME_LIMIT', 'CANCELLED', 'SPACE_EXHAUSTED', 'ERROR')`,
    );
    await q.query(`CREATE TYPE trial_status AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED')`);

    await q.query(`
      CREATE TABLE search_space (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        kind varchar(16) NOT NULL,
        definition jsonb NOT NULL,
        decisions jsonb NOT NULL,
        decision_count integer NOT NULL,
        cardinality numeric NOT NULL,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL
      )`);
    await q.query(`CREATE INDEX search_space_created ON search_space (created_at DESC, id DESC)`);

    // A search space in use cannot be deleted (RESTRICT): its experiments' trials are
    // meaningless without the decisions they index.
    await q.query(`
      CREATE TABLE experiment (
        id uuid PRIMARY KEY,
        name varchar(200) NOT NULL,
        description text,
        search_space_id uuid NOT NULL REFERENCES search_space (id) ON DELETE RESTRICT,
        strategy jsonb NOT NULL,
        evaluator jsonb NOT NULL,
        objective jsonb NOT NULL,
        constraints jsonb NOT NULL,
        budget jsonb NOT NULL,
        seed integer NOT NULL,
        status experiment_status NOT NULL,
        end_reason experiment_end_reason,
        early_stopping jsonb,
        best_trial_id uuid,
        trial_sequence integer NOT NULL DEFAULT 0,
        consecutive_duplicates integer NOT NULL DEFAULT 0,
        scheduler_owner varchar(200),
        scheduler_lease_until timestamptz(3),
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        started_at timestamptz(3),
        finished_at timestamptz(3)
      )`);
    await q.query(`CREATE INDEX experiment_status_created ON experiment (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX experiment_created ON experiment (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX experiment_search_space ON experiment (search_space_id)`);

    await q.query(`
      CREATE TABLE trial (
        id uuid PRIMARY KEY,
        experiment_id uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        sequence integer NOT NULL,
        actions integer[] NOT NULL,
        architecture jsonb NOT NULL,
        label text NOT NULL,
        fingerprint varchar(64) NOT NULL,
        policy_version integer NOT NULL,
        log_prob double precision NOT NULL,
        status trial_status NOT NULL,
        reward double precision,
        final_metrics jsonb NOT NULL DEFAULT '{}',
        params double precision,
        flops double precision,
        latency_ms double precision,
        duplicate_of_id uuid REFERENCES trial (id) ON DELETE SET NULL,
        worker_id varchar(200),
        attempt integer NOT NULL DEFAULT 0,
        lease_expires_at timestamptz(3),
        lease_seconds integer,
        error text,
        observed_at timestamptz(3),
        idempotency_key varchar(200),
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        started_at timestamptz(3),
        finished_at timestamptz(3),
        CONSTRAINT trial_sequence_unique UNIQUE (experiment_id, sequence)
      )`);
    await q.query(`CREATE INDEX trial_experiment_status ON trial (experiment_id, status, sequence)`);
    await q.query(`CREATE INDEX trial_experiment_reward ON trial (experiment_id, reward DESC NULLS LAST, sequence)`);
    await q.query(`CREATE INDEX trial_experiment_fingerprint ON trial (experiment_id, fingerprint)`);
    await q.query(`CREATE INDEX trial_lease ON trial (lease_expires_at) WHERE status = 'RUNNING'`);
    await q.query(
      `ALTER TABLE experiment ADD CONSTRAINT experiment_best_trial FOREIGN KEY (best_trial_id) REFERENCES trial (id) ON DELETE SET NULL`,
    );

    await q.query(`
      CREATE TABLE trial_metric (
        id uuid PRIMARY KEY,
        trial_id uuid NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
        experiment_id uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        step integer NOT NULL,
        name varchar(100) NOT NULL,
        value double precision NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT trial_metric_unique UNIQUE (trial_id, name, step)
      )`);
    await q.query(`CREATE INDEX trial_metric_trial_step ON trial_metric (trial_id, step)`);
    await q.query(`CREATE INDEX trial_metric_experiment_name_step ON trial_metric (experiment_id, name, step)`);

    await q.query(`
      CREATE TABLE policy_checkpoint (
        id uuid PRIMARY KEY,
        experiment_id uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        step integer NOT NULL,
        state jsonb NOT NULL,
        stats jsonb NOT NULL,
        observed_trial_ids uuid[] NOT NULL,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT policy_checkpoint_step_unique UNIQUE (experiment_id, step)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE policy_checkpoint`);
    await q.query(`DROP TABLE trial_metric`);
    await q.query(`ALTER TABLE experiment DROP CONSTRAINT experiment_best_trial`);
    await q.query(`DROP TABLE trial`);
    await q.query(`DROP TABLE experiment`);
    await q.query(`DROP TABLE search_space`);
    await q.query(`DROP TYPE trial_status`);
    await q.query(`DROP TYPE experiment_end_reason`);
    await q.query(`DROP TYPE experiment_status`);
  }
}
