import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import { Topic, event, type DomainEvent } from '../../src/core/events/topics.js';
import type { Storage } from '../../src/core/storage/storage.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createTypeormStorage } from '../../src/db/repositories/typeorm-storage.js';
import { createLogger } from '../../src/logger.js';
import { backends } from '../helpers/backends.js';
import { experimentRecord, searchSpaceRecord, trialRecord } from '../helpers/records.js';

// One contract, every back end: the same assertions run on PGlite and PostgreSQL.
describe('storage', async () => {
 for (const backend of await backends()) {
  describe(`storage contract on ${backend.name}`, { skip: backend.skip ?? false }, () => {
    let db: Database;
    let storage: Storage;
    /** What the storage handed on after each commit, in order. */
    const committed: DomainEvent[][] = [];

    before(async () => {
      const config = backend.config();
      db = await openDatabase(
        { url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: 4 },
        createLogger('silent', { pretty: false }),
      );
      await db.migrate();
      storage = createTypeormStorage(db.dataSource, { notify: false, afterCommit: { committed: (events) => committed.push([...events]) } });
    });

    after(async () => {
      await db?.close();
      await backend.cleanup();
    });

    test('migrations are applied once and nothing is pending', async () => {
      assert.equal(await db.hasPendingMigrations(), false);
      assert.deepEqual(await db.migrate(), []);
    });

    test('a search space round-trips with its JSON, decisions and exact cardinality', async () => {
      const space = searchSpaceRecord({ name: 'round trip' });
      await storage.searchSpaces.insert(space);
      const found = await storage.searchSpaces.findById(space.id);
      assert.ok(found);
      assert.deepEqual(found.definition, space.definition);
      assert.deepEqual(found.decisions, space.decisions);
      assert.equal(found.cardinality, '123456789012345678901234567890');
      assert.equal(found.createdAt.getTime(), space.createdAt.getTime());
      assert.equal(await storage.searchSpaces.findById(randomUUID()), null);
    });

    test('keyset pages cover every row exactly once, newest first, with a total count', async () => {
      const tag = randomUUID().slice(0, 8);
      const start = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        // Two rows share a timestamp, so the id must break the tie in the cursor.
        const at = new Date(start + Math.floor(i / 2) * 1000);
        const space = searchSpaceRecord({ name: `page ${tag} ${i}`, createdAt: at, updatedAt: at });
        await storage.searchSpaces.insert(space);
        ids.push(space.id);
      }
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await storage.searchSpaces.list({ nameContains: `page ${tag}` }, { first: 3, after });
        assert.equal(page.totalCount, 7);
        seen.push(...page.items.map((i) => i.node.id));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
      }
      assert.equal(seen.length, 7);
      assert.deepEqual(new Set(seen), new Set(ids));
      const times = (await Promise.all(seen.map((id) => storage.searchSpaces.findById(id)))).map((s) => s!.createdAt.getTime());
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
    });

    test('LIKE wildcards in a name filter match literally', async () => {
      const tag = randomUUID().slice(0, 8);
      await storage.searchSpaces.insert(searchSpaceRecord({ name: `${tag} 100% pure` }));
      await storage.searchSpaces.insert(searchSpaceRecord({ name: `${tag} 100 pure` }));
      const page = await storage.searchSpaces.list({ nameContains: `${tag} 100%` }, { first: 10, after: null });
      assert.equal(page.totalCount, 1);
    });

    test('a failed transaction leaves nothing behind', async () => {
      const space = searchSpaceRecord();
      await assert.rejects(
        storage.transaction(async (tx) => {
          await tx.searchSpaces.insert(space);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await storage.searchSpaces.findById(space.id), null);
    });

    test('a search space used by an experiment cannot be deleted; deleting the experiment cascades', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      await storage.trials.insert([trialRecord(experiment.id, 1), trialRecord(experiment.id, 2)]);
      assert.equal(await storage.experiments.countBySearchSpace(space.id), 1);
      await assert.rejects(storage.searchSpaces.delete(space.id));
      assert.ok(await storage.searchSpaces.findById(space.id));
      assert.equal(await storage.experiments.delete(experiment.id), true);
      assert.equal((await storage.trials.tally(experiment.id)).evaluations.PENDING, 0);
      assert.equal(await storage.searchSpaces.delete(space.id), true);
    });

    test('sequence numbers are unique per experiment', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      await storage.trials.insert([trialRecord(experiment.id, 1)]);
      await assert.rejects(storage.trials.insert([trialRecord(experiment.id, 1)]));
    });

    test('experiments filter by status and search space', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      await storage.experiments.insert(experimentRecord(space.id, { status: ExperimentStatus.RUNNING }));
      await storage.experiments.insert(experimentRecord(space.id, { status: ExperimentStatus.PAUSED }));
      await storage.experiments.insert(experimentRecord(space.id));
      const running = await storage.experiments.list({ searchSpaceId: space.id, statuses: [ExperimentStatus.RUNNING, ExperimentStatus.PAUSED] }, { first: 10, after: null });
      assert.equal(running.totalCount, 2);
      assert.ok(running.items.every((i) => i.node.status !== ExperimentStatus.CREATED));
      const ids = await storage.experiments.listIdsByStatus([ExperimentStatus.RUNNING]);
      assert.ok(ids.length >= 1);
    });

    test('trials order by reward with unfinished ones last, and page through ties', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      const rewards = [0.5, null, 0.9, 0.5, 0.1, null, 0.9];
      await storage.trials.insert(
        rewards.map((reward, i) =>
          trialRecord(experiment.id, i + 1, reward === null ? {} : { reward, status: TrialStatus.SUCCEEDED }),
        ),
      );
      const order: (number | null)[] = [];
      let after: string | null = null;
      for (;;) {
        const page = await storage.trials.list(experiment.id, {}, 'REWARD_DESC', { first: 2, after });
        order.push(...page.items.map((i) => i.node.reward));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
      }
      assert.deepEqual(order, [0.9, 0.9, 0.5, 0.5, 0.1, null, null]);
      const asc = await storage.trials.list(experiment.id, {}, 'REWARD_ASC', { first: 10, after: null });
      assert.deepEqual(asc.items.map((i) => i.node.reward), [0.1, 0.5, 0.5, 0.9, 0.9, null, null]);
      const best = await storage.trials.best(experiment.id, 'MAXIMIZE', 2);
      assert.deepEqual(best.map((t) => t.sequence), [3, 7]);
      const succeeded = await storage.trials.list(experiment.id, { statuses: [TrialStatus.SUCCEEDED] }, 'SEQUENCE_DESC', { first: 10, after: null });
      assert.deepEqual(succeeded.items.map((i) => i.node.sequence), [7, 5, 4, 3, 1]);
      const counts = (await storage.trials.tally(experiment.id)).evaluations;
      assert.equal(counts.SUCCEEDED, 5);
      assert.equal(counts.PENDING, 2);
    });

    test('duplicates: tallied apart, listed, left out or alone on request, never on the leaderboard; fingerprints find the evaluation', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      const original = trialRecord(experiment.id, 1, { status: TrialStatus.SUCCEEDED, reward: 0.9, fingerprint: 'same' });
      const copy = trialRecord(experiment.id, 2, { status: TrialStatus.SUCCEEDED, reward: 0.9, fingerprint: 'same', duplicateOfId: original.id });
      const other = trialRecord(experiment.id, 3, { status: TrialStatus.SUCCEEDED, reward: 0.5, fingerprint: 'other' });
      await storage.trials.insert([original, copy, other]);
      const tally = await storage.trials.tally(experiment.id);
      assert.equal(tally.evaluations.SUCCEEDED, 2);
      assert.equal(tally.duplicates.SUCCEEDED, 1);
      const list = async (duplicates: 'INCLUDE' | 'EXCLUDE' | 'ONLY') =>
        (await storage.trials.list(experiment.id, { duplicates }, 'REWARD_DESC', { first: 10, after: null })).items.map((i) => i.node.sequence);
      // Equal rewards follow the ordering's direction in their sequence, too.
      assert.deepEqual(await list('INCLUDE'), [2, 1, 3]);
      assert.deepEqual(await list('EXCLUDE'), [1, 3]);
      assert.deepEqual(await list('ONLY'), [2]);
      assert.deepEqual((await storage.trials.best(experiment.id, 'MAXIMIZE', 5)).map((t) => t.sequence), [1, 3]);
      const found = await storage.trials.findByFingerprints(experiment.id, ['same', 'other', 'none']);
      assert.deepEqual([...found.entries()].map(([f, t]) => [f, t.sequence]).sort(), [['other', 3], ['same', 1]]);
    });

    test('outbox: events get gap-free ids per experiment, are stored with the commit and handed on after it, in order', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const [a, b] = [experimentRecord(space.id), experimentRecord(space.id)];
      await storage.experiments.insert(a);
      await storage.experiments.insert(b);
      committed.length = 0;
      await storage.transaction(async (tx) => {
        tx.emit(event(Topic.ExperimentUpdated, a.id, a));
        tx.emit(event(Topic.ExperimentUpdated, b.id, b));
        // A nested transaction joins: its events leave with the outer commit.
        await tx.transaction(async (inner) => inner.emit(event(Topic.ExperimentUpdated, a.id, { ...a, name: 'second' })));
        assert.equal(committed.length, 0, 'nothing is handed on before COMMIT');
      });
      assert.equal(committed.length, 1);
      assert.deepEqual(committed[0]!.map((e) => [e.key, e.id]), [[a.id, 1], [b.id, 1], [a.id, 2]], 'in emission order');
      await storage.transaction(async (tx) => tx.emit(event(Topic.ExperimentUpdated, a.id, { ...a, name: 'third' })));
      const log = await storage.events.listAfter(a.id, 0, 10);
      assert.deepEqual(log.map((e) => e.id), [1, 2, 3]);
      assert.deepEqual(log.map((e) => (e.payload as { name: string }).name), ['experiment', 'second', 'third']);
      assert.ok(log[0]!.payload.createdAt instanceof Date, 'dates come back as dates');
      assert.equal((log[0]!.payload as { createdAt: Date }).createdAt.getTime(), a.createdAt.getTime());
      assert.deepEqual((await storage.events.listAfter(a.id, 2, 10)).map((e) => e.id), [3]);
      assert.equal((await storage.events.find(b.id, 1))?.key, b.id);
      assert.equal(await storage.events.lastId(a.id), 3);
      assert.equal(await storage.events.lastId(randomUUID()), 0);
    });

    test('outbox: a rolled-back transaction stores, numbers and hands on nothing', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      await storage.transaction(async (tx) => tx.emit(event(Topic.ExperimentUpdated, experiment.id, experiment)));
      committed.length = 0;
      await assert.rejects(
        storage.transaction(async (tx) => {
          tx.emit(event(Topic.ExperimentUpdated, experiment.id, experiment));
          await tx.experiments.update(experiment.id, { name: 'never' });
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(committed, []);
      assert.equal(await storage.events.lastId(experiment.id), 1);
      await storage.transaction(async (tx) => tx.emit(event(Topic.ExperimentUpdated, experiment.id, experiment)));
      assert.deepEqual((await storage.events.listAfter(experiment.id, 0, 10)).map((e) => e.id), [1, 2], 'the next id follows without a gap');
      assert.equal((await storage.experiments.findById(experiment.id))!.name, 'experiment');
    });

    test('outbox: concurrent transactions on one experiment get distinct ids, handed on in id order', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      committed.length = 0;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          storage.transaction(async (tx) => {
            tx.emit(event(Topic.ExperimentUpdated, experiment.id, { ...experiment, name: `w${i}` }));
            tx.emit(event(Topic.ExperimentUpdated, experiment.id, { ...experiment, name: `w${i}` }));
          }),
        ),
      );
      const ids = committed.flat().map((e) => e.id);
      assert.deepEqual([...ids].sort((x, y) => x - y), Array.from({ length: 24 }, (_, i) => i + 1));
      for (const batch of committed) assert.equal(batch[1]!.id, batch[0]!.id + 1, "one transaction's events are consecutive");
    });

    test('a garbled cursor is a clear input error', async () => {
      await assert.rejects(storage.searchSpaces.list({}, { first: 1, after: 'not-a-cursor' }), { code: 'BAD_USER_INPUT' });
    });

    test('a row lock makes concurrent read-modify-writes serialise', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      const bump = () =>
        storage.transaction(async (tx) => {
          const current = await tx.experiments.findById(experiment.id, { forUpdate: true });
          await tx.experiments.update(experiment.id, { trialSequence: current!.trialSequence + 1 });
        });
      await Promise.all([bump(), bump(), bump(), bump()]);
      assert.equal((await storage.experiments.findById(experiment.id))!.trialSequence, 4);
    });

    test('metrics upsert per (trial, name, step) and list in step order', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      const trial = trialRecord(experiment.id, 1, { status: TrialStatus.RUNNING });
      await storage.trials.insert([trial]);
      const metric = (step: number, name: string, value: number) => ({
        id: randomUUID(), trialId: trial.id, experimentId: experiment.id, step, name, value, createdAt: new Date(),
      });
      await storage.metrics.upsert(metric(2, 'val_accuracy', 0.5));
      await storage.metrics.upsert(metric(1, 'val_accuracy', 0.3));
      await storage.metrics.upsert(metric(1, 'loss', 1.2));
      await storage.metrics.upsert(metric(2, 'val_accuracy', 0.55));
      const acc = await storage.metrics.list(trial.id, 'val_accuracy');
      assert.deepEqual(acc.map((m) => [m.step, m.value]), [[1, 0.3], [2, 0.55]]);
      assert.equal((await storage.metrics.list(trial.id)).length, 3);
      assert.deepEqual(await storage.metrics.valuesAtStep(experiment.id, 'val_accuracy', 2, [TrialStatus.RUNNING]), [0.55]);
      assert.deepEqual(await storage.metrics.valuesAtStep(experiment.id, 'val_accuracy', 2, [TrialStatus.SUCCEEDED]), []);
    });

    test('policy checkpoints: one row per step, replaced state and appended observed ids; latest and history', async () => {
      const space = searchSpaceRecord();
      await storage.searchSpaces.insert(space);
      const experiment = experimentRecord(space.id);
      await storage.experiments.insert(experiment);
      const checkpoint = (step: number, weights: number, observed: string[]) => ({
        id: randomUUID(), experimentId: experiment.id, step, state: { weights: [weights] },
        stats: { baseline: step / 10, meanReward: 0.5, entropy: 1 }, observedTrialIds: observed, createdAt: new Date(),
      });
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await storage.checkpoints.save(checkpoint(1, 1, [a]));
      await storage.checkpoints.save(checkpoint(2, 2, [b]));
      await storage.checkpoints.save(checkpoint(2, 3, [c]));
      await storage.checkpoints.save(checkpoint(2, 4, []));
      const latest = await storage.checkpoints.latest(experiment.id);
      assert.equal(latest?.step, 2);
      assert.deepEqual(latest?.state, { weights: [4] });
      assert.deepEqual(latest?.observedTrialIds, [b, c]);
      const history = await storage.checkpoints.history(experiment.id, 10);
      assert.deepEqual(history.map((h) => h.step), [1, 2]);
      assert.equal('state' in history[0]! && history[0].state !== undefined, false);
    });
  });
}
});
