import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Topic, event } from '../../src/core/events/topics.js';
import type { TrialRecord } from '../../src/core/storage/records.js';
import type { Storage, TrialTally } from '../../src/core/storage/storage.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import { applyTransition, cancel, complete } from '../../src/core/trials/trial-transitions.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createTypeormStorage } from '../../src/db/repositories/typeorm-storage.js';
import { createLogger } from '../../src/logger.js';
import { Random } from '../../src/random/index.js';
import { backends } from '../helpers/backends.js';
import { experimentRecord, searchSpaceRecord, trialRecord } from '../helpers/records.js';

const STATUSES = Object.values(TrialStatus);

/** The tally as counting the trial rows gives it: what the maintained one must always equal. */
async function counted(db: Database, experimentId: string): Promise<TrialTally> {
  const rows: { status: TrialStatus; duplicate: boolean; n: number }[] = await db.dataSource.query(
    `SELECT status, duplicate_of_id IS NOT NULL AS duplicate, count(*)::int AS n FROM trial WHERE experiment_id = $1 AND stage = 'SEARCH' GROUP BY 1, 2`,
    [experimentId],
  );
  const zero = () => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<TrialStatus, number>;
  const tally = { evaluations: zero(), duplicates: zero() };
  for (const row of rows) (row.duplicate ? tally.duplicates : tally.evaluations)[row.status] = row.n;
  return tally;
}

describe('batch reads and the maintained tally', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let db: Database;
      let storage: Storage;

      before(async () => {
        const config = backend.config();
        db = await openDatabase(
          { url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: 4 },
          createLogger('silent', { pretty: false }),
        );
        await db.migrate();
        storage = createTypeormStorage(db.dataSource, { notify: false, afterCommit: { committed: () => undefined } });
      });
      after(async () => {
        await db?.close();
        await backend.cleanup();
      });

      async function experiment(overrides: Parameters<typeof experimentRecord>[1] = {}): Promise<string> {
        const space = searchSpaceRecord();
        await storage.searchSpaces.insert(space);
        const record = experimentRecord(space.id, overrides);
        await storage.experiments.insert(record);
        return record.id;
      }

      test('the tally follows inserts, moves, duplicates and deletes, statement by statement, and matches a count of the rows', async () => {
        const id = await experiment();
        const rng = Random.fromSeed(17);
        const trials: TrialRecord[] = [];
        // What each trial is now, to know the tally inside a transaction (whose rows no other connection sees).
        const now = new Map<string, { status: TrialStatus; duplicate: boolean }>();
        const expected = (): TrialTally => {
          const zero = () => Object.fromEntries(STATUSES.map((st) => [st, 0])) as Record<TrialStatus, number>;
          const tally = { evaluations: zero(), duplicates: zero() };
          for (const t of now.values()) (t.duplicate ? tally.duplicates : tally.evaluations)[t.status] += 1;
          return tally;
        };
        for (let round = 0; round < 12; round++) {
          await storage.transaction(async (tx) => {
            // A few statements per transaction, of every kind the services make.
            const born = Array.from({ length: 1 + rng.nextInt(6) }, (_, i) => {
              const original = trials.length > 0 && rng.nextFloat() < 0.3 ? trials[rng.nextInt(trials.length)]! : null;
              return trialRecord(id, trials.length + i + 1, { status: STATUSES[rng.nextInt(STATUSES.length)]!, duplicateOfId: original?.id ?? null });
            });
            await tx.trials.insert(born);
            trials.push(...born);
            for (const t of born) now.set(t.id, { status: t.status, duplicate: t.duplicateOfId !== null });
            for (let k = 0; k < 4; k++) {
              const trial = trials[rng.nextInt(trials.length)]!;
              const status = STATUSES[rng.nextInt(STATUSES.length)]!;
              await tx.trials.update(trial.id, { status });
              now.get(trial.id)!.status = status;
            }
            // A change that is no move at all: no row of the tally may change.
            await tx.trials.update(trials[0]!.id, { leaseSeconds: round });
            assert.deepEqual(await tx.trials.tally(id), expected(), 'inside the transaction, its own changes are counted');
          });
          assert.deepEqual(await storage.trials.tally(id), await counted(db, id), `after commit ${round}`);
          assert.deepEqual(await storage.trials.tally(id), expected());
        }
        const rows: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM trial_tally_change`);
        assert.equal(rows[0]!.n, 0, 'no change is left behind by a commit');
        // Deleting originals sets their duplicates' reference to NULL: they count as evaluations then.
        await db.dataSource.query(`DELETE FROM trial WHERE experiment_id = $1 AND sequence % 3 = 0`, [id]);
        assert.deepEqual(await storage.trials.tally(id), await counted(db, id), 'after a delete');
      });

      test('a rolled-back transaction leaves the tally as it was; a deleted experiment takes its tally along', async () => {
        const id = await experiment();
        await storage.trials.insert([trialRecord(id, 1), trialRecord(id, 2, { status: TrialStatus.SUCCEEDED, reward: 0.5 })]);
        const before = await storage.trials.tally(id);
        await assert.rejects(
          storage.transaction(async (tx) => {
            await tx.trials.insert([trialRecord(id, 3)]);
            throw new Error('abort');
          }),
          /abort/,
        );
        assert.deepEqual(await storage.trials.tally(id), before);
        await storage.transaction(async (tx) => {
          await tx.trials.insert([trialRecord(id, 3)]);
          await tx.experiments.delete(id);
        });
        const left: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM trial_tally WHERE experiment_id = $1`, [id]);
        assert.equal(left[0]!.n, 0);
        assert.equal((await storage.trials.tally(id)).evaluations.PENDING, 0);
      });

      // The interleaving that deadlocks when the counts are updated as each trial moves:
      // a cancellation holds the counts after its first trial and waits for a trial row a
      // worker holds, while the worker waits for the counts to finish its completion.
      test('a cancellation and a completion on the same experiment at once both commit, and the tally adds up', async () => {
        const id = await experiment();
        const running = Array.from({ length: 4 }, (_, i) => trialRecord(id, i + 1, { status: TrialStatus.RUNNING, workerId: 'w', attempt: 1 }));
        await storage.trials.insert(running);
        let workerHolds!: () => void;
        const held = new Promise<void>((resolve) => (workerHolds = resolve));
        let cancelled!: () => void;
        const firstCancelled = new Promise<void>((resolve) => (cancelled = resolve));
        const worker = storage.transaction(async (tx) => {
          await tx.trials.findById(running[3]!.id, { forUpdate: true });
          workerHolds();
          // On the embedded database the one connection serialises the two transactions,
          // so the cancellation cannot get going while this one waits for it.
          if (db.mode === 'server') await Promise.race([firstCancelled, new Promise((r) => setTimeout(r, 2000))]);
          await applyTransition(tx, running[3]!.id, complete(() => ({ reward: 0.7, finalMetrics: {}, params: null, flops: null, latencyMs: null, runtime: null, artifact: null }), 'w', null), new Date());
        });
        await held;
        const cancellation = storage.transaction(async (tx) => {
          await tx.experiments.findById(id, { forUpdate: true });
          for (const [i, trial] of running.entries()) {
            await applyTransition(tx, trial.id, cancel('cancelled'), new Date());
            if (i === 0) cancelled();
          }
        });
        await Promise.all([worker, cancellation]);
        const tally = await storage.trials.tally(id);
        assert.deepEqual(tally, await counted(db, id));
        assert.equal(tally.evaluations.CANCELLED + tally.evaluations.SUCCEEDED, 4);
        assert.equal(tally.evaluations.SUCCEEDED, 1, 'the completion committed first: the cancellation skipped its finished trial');
      });

      test('a trials page counts its total from the tally, for every filter on status and duplicates', async () => {
        const id = await experiment();
        const original = trialRecord(id, 1, { status: TrialStatus.SUCCEEDED, reward: 0.9 });
        await storage.trials.insert([
          original,
          trialRecord(id, 2, { status: TrialStatus.SUCCEEDED, reward: 0.9, duplicateOfId: original.id }),
          trialRecord(id, 3, { status: TrialStatus.FAILED }),
          trialRecord(id, 4, { status: TrialStatus.RUNNING }),
          trialRecord(id, 5, { status: TrialStatus.PENDING, duplicateOfId: original.id }),
        ]);
        for (const duplicates of ['INCLUDE', 'EXCLUDE', 'ONLY'] as const) {
          for (const statuses of [null, [TrialStatus.SUCCEEDED], [TrialStatus.PENDING, TrialStatus.RUNNING, TrialStatus.FAILED]]) {
            const page = await storage.trials.list(id, { statuses, duplicates }, 'SEQUENCE_ASC', { first: 1, after: null });
            const all = await storage.trials.list(id, { statuses, duplicates }, 'SEQUENCE_ASC', { first: 500, after: null });
            assert.equal(page.totalCount, all.items.length, `${duplicates} ${JSON.stringify(statuses)}`);
          }
        }
      });

      test('each batch read answers what its one-at-a-time counterpart does, for every id asked, in one call', async () => {
        const maximize = await experiment();
        const minimize = await experiment({ objective: { metric: 'loss', direction: 'MINIMIZE', goal: null } });
        const empty = await experiment();
        const rewards = [0.4, 0.9, null, 0.1, 0.9, 0.6];
        const make = (id: string) =>
          rewards.map((reward, i) => trialRecord(id, i + 1, reward === null ? { status: TrialStatus.RUNNING } : { status: i === 5 ? TrialStatus.PRUNED : TrialStatus.SUCCEEDED, reward }));
        const trials = [...make(maximize), ...make(minimize)];
        await storage.trials.insert(trials);
        const ids = [maximize, minimize, empty];

        const tallies = await storage.trials.tallies(ids);
        for (const id of ids) assert.deepEqual(tallies.get(id), await storage.trials.tally(id));

        const best = await storage.trials.bestOfEach(
          [
            { experimentId: maximize, direction: 'MAXIMIZE' },
            { experimentId: minimize, direction: 'MINIMIZE' },
            { experimentId: empty, direction: 'MAXIMIZE' },
          ],
          3,
        );
        assert.deepEqual(best.get(maximize)!.map((t) => t.sequence), [2, 5, 1], 'highest first, ties by sequence, PRUNED not ranked');
        assert.deepEqual(best.get(minimize)!.map((t) => t.sequence), [4, 1, 2]);
        assert.deepEqual(best.get(empty), []);
        assert.deepEqual((await storage.trials.best(minimize, 'MINIMIZE', 3)).map((t) => t.id), best.get(minimize)!.map((t) => t.id));

        const curves = await storage.trials.rewardCurves(ids, 100);
        assert.deepEqual(curves.get(maximize)!.map((p) => [p.sequence, p.reward]), [[1, 0.4], [2, 0.9], [4, 0.1], [5, 0.9], [6, 0.6]]);
        assert.deepEqual(curves.get(empty), []);
        assert.equal((await storage.trials.rewardCurves([maximize], 2)).get(maximize)!.length, 2, 'at most `limit` per experiment');

        const some = [trials[0]!.id, trials[7]!.id, randomUUID()];
        assert.deepEqual((await storage.trials.findByIds(some)).map((t) => t.id).sort(), some.slice(0, 2).sort());
        assert.deepEqual((await storage.experiments.findByIds([maximize, randomUUID()])).map((e) => e.id), [maximize]);
        const spaceId = (await storage.experiments.findById(minimize))!.searchSpaceId;
        assert.deepEqual((await storage.searchSpaces.findByIds([spaceId])).map((s) => s.id), [spaceId]);

        const metric = (trialId: string, step: number, name: string) => ({ id: randomUUID(), trialId, experimentId: maximize, step, name, value: step, createdAt: new Date() });
        for (const m of [metric(trials[0]!.id, 2, 'acc'), metric(trials[0]!.id, 1, 'acc'), metric(trials[0]!.id, 1, 'loss'), metric(trials[1]!.id, 1, 'acc')]) await storage.metrics.upsert(m);
        const asked = [trials[0]!.id, trials[1]!.id, trials[2]!.id];
        for (const name of [null, 'acc']) {
          const curvesOf = await storage.metrics.listForTrials(asked, name);
          for (const trialId of asked) assert.deepEqual(curvesOf.get(trialId), await storage.metrics.list(trialId, name));
        }

        await storage.transaction(async (tx) => {
          tx.emit(event(Topic.ExperimentUpdated, maximize, experimentRecord(maximize)));
          tx.emit(event(Topic.ExperimentUpdated, maximize, experimentRecord(maximize)));
        });
        const last = await storage.events.lastIds(ids);
        assert.deepEqual([...last.entries()], [[maximize, 2], [minimize, 0], [empty, 0]]);
      });
    });
  }
});
