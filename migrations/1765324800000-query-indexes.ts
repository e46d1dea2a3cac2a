import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the API's lists and counters read, made cheap at 100,000 trials in one experiment
 * and 1,000 experiments (EXPLAIN on both databases: bench/api.ts, results in
 * bench/results/api.md).
 *
 * Indexes: one per ordering the trials connection offers, matched to the expressions the
 * repository sorts by (unfinished trials have no reward and sort by ∓∞, so the reward
 * orders are expression indexes); the leaderboard and the best-so-far curve read partial
 * indexes that hold only evaluations with a reward; the experiments of one search space
 * come in list order; and the two foreign keys that point at a trial get an index, without
 * which deleting an experiment scans the trial table once per trial it deletes.
 *
 * Counts: `trial_tally` holds an experiment's trials per stage and status, evaluations
 * and answered duplicates apart, maintained by the database itself, so that a dashboard
 * reading them every second (and the scheduler every pass) reads a dozen rows instead of
 * counting the experiment's trials. Two steps, because the obvious one deadlocks:
 *
 * 1. a statement trigger on `trial` writes the statement's net change per (experiment,
 *    stage, status, duplicate) into `trial_tally_change`, a table nobody else writes, so it takes
 *    no lock another transaction could wait for;
 * 2. a deferred trigger on that table folds the changes into `trial_tally` at COMMIT.
 *
 * Updating `trial_tally` in step 1 would lock its rows from a transaction's first trial
 * change to its end: a cancellation (holding those rows after its first trial) would wait
 * for a worker's trial row while the worker waited for the rows. At COMMIT a transaction
 * waits for nothing else any more, and one that emitted events for the experiment already
 * holds its event counter (src/db/outbox.ts), which orders them. The first fold of an
 * experiment in a transaction takes all of its changes, so its rows are locked in one
 * statement, in key order. A row per statement and per COMMIT (not per trial) keeps
 * bulk inserts linear: a counter row updated once per trial of one transaction grows a
 * version chain that makes 100,000 inserts quadratic.
 *
 * Inside a transaction its own changes wait in `trial_tally_change` (visible to it alone
 * until the fold deletes them at COMMIT), which the repository adds to what it reads.
 */
export class QueryIndexes1765324800000 implements MigrationInterface {
  name = 'QueryIndexes1765324800000';

  async up(q: QueryRunner): Promise<void> {
    // Replaced by the leaderboard's partial indexes and the reward orders' expression indexes.
    await q.query(`DROP INDEX trial_experiment_reward`);
    await q.query(`CREATE INDEX trial_experiment_reward_desc ON trial (experiment_id, (COALESCE(reward, '-Infinity'::float8)), sequence)`);
    await q.query(`CREATE INDEX trial_experiment_reward_asc ON trial (experiment_id, (COALESCE(reward, 'Infinity'::float8)), sequence)`);
    await q.query(`CREATE INDEX trial_experiment_created ON trial (experiment_id, created_at, sequence)`);
    await q.query(`CREATE INDEX trial_experiment_duplicates ON trial (experiment_id, sequence) WHERE duplicate_of_id IS NOT NULL`);
    const evaluated = `status = 'SUCCEEDED' AND reward IS NOT NULL AND duplicate_of_id IS NULL`;
    await q.query(`CREATE INDEX trial_leaderboard_max ON trial (experiment_id, reward DESC, sequence) WHERE ${evaluated}`);
    await q.query(`CREATE INDEX trial_leaderboard_min ON trial (experiment_id, reward, sequence) WHERE ${evaluated}`);
    await q.query(
      `CREATE INDEX trial_curve ON trial (experiment_id, sequence) INCLUDE (reward, id) WHERE status IN ('SUCCEEDED', 'PRUNED') AND reward IS NOT NULL AND duplicate_of_id IS NULL`,
    );
    // The scheduler's every pass; without it, a scan of every finished trial.
    await q.query(`CREATE INDEX trial_unobserved ON trial (experiment_id, sequence) WHERE observed_at IS NULL AND status IN ('SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED')`);
    await q.query(`CREATE INDEX trial_duplicate_of ON trial (duplicate_of_id) WHERE duplicate_of_id IS NOT NULL`);
    await q.query(`CREATE INDEX experiment_best_trial_ref ON experiment (best_trial_id) WHERE best_trial_id IS NOT NULL`);
    await q.query(`DROP INDEX experiment_search_space`);
    await q.query(`CREATE INDEX experiment_search_space_created ON experiment (search_space_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE trial_tally (
        experiment_id uuid NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
        stage varchar(16) NOT NULL,
        status trial_status NOT NULL,
        duplicate boolean NOT NULL,
        trials integer NOT NULL,
        PRIMARY KEY (experiment_id, stage, status, duplicate)
      )`);
    // No foreign key: its rows live only inside the transaction that wrote them.
    await q.query(`
      CREATE TABLE trial_tally_change (
        experiment_id uuid NOT NULL,
        stage varchar(16) NOT NULL,
        status trial_status NOT NULL,
        duplicate boolean NOT NULL,
        delta integer NOT NULL
      )`);
    await q.query(`CREATE INDEX trial_tally_change_experiment ON trial_tally_change (experiment_id)`);
    // A trial's stage (search or final) is its `stage` column, which a later migration
    // adds (1765411200000-finalization.ts); until then every trial is a search trial. Read
    // through the row's JSON, the functions work on either side of that migration.
    const key = (rows: string) => `SELECT experiment_id, COALESCE(to_jsonb(r) ->> 'stage', 'SEARCH') AS stage, status, duplicate_of_id IS NOT NULL AS duplicate FROM ${rows} AS r`;
    await q.query(`
      CREATE FUNCTION trial_tally_note() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO trial_tally_change (experiment_id, stage, status, duplicate, delta)
          SELECT experiment_id, stage, status, duplicate, count(*)::int FROM (${key('new_rows')}) AS k GROUP BY 1, 2, 3, 4;
        ELSIF TG_OP = 'DELETE' THEN
          INSERT INTO trial_tally_change (experiment_id, stage, status, duplicate, delta)
          SELECT experiment_id, stage, status, duplicate, -count(*)::int FROM (${key('old_rows')}) AS k GROUP BY 1, 2, 3, 4;
        ELSE
          INSERT INTO trial_tally_change (experiment_id, stage, status, duplicate, delta)
          SELECT experiment_id, stage, status, duplicate, sum(delta)::int FROM (
            SELECT *, 1 AS delta FROM (${key('new_rows')}) AS n
            UNION ALL
            SELECT *, -1 FROM (${key('old_rows')}) AS o
          ) AS moved
          GROUP BY 1, 2, 3, 4
          HAVING sum(delta) <> 0;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER trial_tally_insert AFTER INSERT ON trial REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION trial_tally_note()`);
    await q.query(
      `CREATE TRIGGER trial_tally_update AFTER UPDATE ON trial REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION trial_tally_note()`,
    );
    await q.query(`CREATE TRIGGER trial_tally_delete AFTER DELETE ON trial REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION trial_tally_note()`);
    // An experiment deleted in the same transaction has no tally left to fold into.
    await q.query(`
      CREATE FUNCTION trial_tally_fold() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        WITH taken AS (
          DELETE FROM trial_tally_change WHERE experiment_id = NEW.experiment_id RETURNING stage, status, duplicate, delta
        )
        INSERT INTO trial_tally (experiment_id, stage, status, duplicate, trials)
        SELECT NEW.experiment_id, stage, status, duplicate, sum(delta)::int FROM taken
        WHERE EXISTS (SELECT 1 FROM experiment WHERE id = NEW.experiment_id)
        GROUP BY stage, status, duplicate
        HAVING sum(delta) <> 0
        ORDER BY stage, status, duplicate
        ON CONFLICT (experiment_id, stage, status, duplicate) DO UPDATE SET trials = trial_tally.trials + EXCLUDED.trials;
        RETURN NULL;
      END $$`);
    await q.query(
      `CREATE CONSTRAINT TRIGGER trial_tally_fold AFTER INSERT ON trial_tally_change DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION trial_tally_fold()`,
    );
    await q.query(`
      INSERT INTO trial_tally (experiment_id, stage, status, duplicate, trials)
      SELECT experiment_id, stage, status, duplicate, count(*)::int FROM (${key('trial')}) AS k GROUP BY 1, 2, 3, 4`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER trial_tally_fold ON trial_tally_change`);
    await q.query(`DROP TRIGGER trial_tally_delete ON trial`);
    await q.query(`DROP TRIGGER trial_tally_update ON trial`);
    await q.query(`DROP TRIGGER trial_tally_insert ON trial`);
    await q.query(`DROP FUNCTION trial_tally_fold()`);
    await q.query(`DROP FUNCTION trial_tally_note()`);
    await q.query(`DROP TABLE trial_tally_change`);
    await q.query(`DROP TABLE trial_tally`);
    await q.query(`DROP INDEX experiment_search_space_created`);
    await q.query(`CREATE INDEX experiment_search_space ON experiment (search_space_id)`);
    await q.query(`DROP INDEX experiment_best_trial_ref`);
    await q.query(`DROP INDEX trial_duplicate_of`);
    await q.query(`DROP INDEX trial_unobserved`);
    await q.query(`DROP INDEX trial_curve`);
    await q.query(`DROP INDEX trial_leaderboard_min`);
    await q.query(`DROP INDEX trial_leaderboard_max`);
    await q.query(`DROP INDEX trial_experiment_duplicates`);
    await q.query(`DROP INDEX trial_experiment_created`);
    await q.query(`DROP INDEX trial_experiment_reward_asc`);
    await q.query(`DROP INDEX trial_experiment_reward_desc`);
    await q.query(`CREATE INDEX trial_experiment_reward ON trial (experiment_id, reward DESC NULLS LAST, sequence)`);
  }
}
