import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { WorkerRecord } from '../../src/core/storage/records.js';
import type { Storage } from '../../src/core/storage/storage.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { createTypeormStorage } from '../../src/db/repositories/typeorm-storage.js';
import { createLogger } from '../../src/logger.js';
import { backends } from '../helpers/backends.js';
import { experimentRecord, searchSpaceRecord, trialRecord } from '../helpers/records.js';

function workerRecord(id: string, overrides: Partial<WorkerRecord> = {}): WorkerRecord {
  const at = new Date();
  return {
    id,
    name: id.split('/').at(-1)!,
    project: null,
    host: 'gpu-01',
    backend: 'auto',
    adapter: null,
    cores: 16,
    gpu: 'NVIDIA H100 80GB HBM3',
    datasets: ['fashion-mnist', 'synthetic'],
    concurrency: 2,
    registeredAt: at,
    lastHeartbeatAt: at,
    expiresAt: new Date(at.getTime() + 60_000),
    ...overrides,
  };
}

// The worker registry's storage, the same assertions on PGlite and PostgreSQL.
describe('worker registry storage', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let db: Database;
      let storage: Storage;

      before(async () => {
        const config = backend.config();
        db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: 4 }, createLogger('silent', { pretty: false }));
        await db.migrate();
        storage = createTypeormStorage(db.dataSource, { notify: false, afterCommit: { committed: () => undefined } });
      });
      after(async () => {
        await db?.close();
        await backend.cleanup();
      });

      test('a renewal replaces everything but when the worker first registered', async () => {
        const first = workerRecord('api-key:k1/renewed', { registeredAt: new Date('2026-01-01T00:00:00.000Z'), lastHeartbeatAt: new Date('2026-01-01T00:00:00.000Z') });
        await storage.workers.upsert(first);
        const renewed = { ...workerRecord(first.id), backend: 'webgpu', adapter: 'NVIDIA (vulkan)', datasets: ['synthetic'], concurrency: 4 };
        await storage.workers.upsert(renewed);
        const stored = await storage.workers.findById(first.id);
        assert.ok(stored);
        assert.equal(stored.registeredAt.toISOString(), '2026-01-01T00:00:00.000Z');
        assert.equal(stored.lastHeartbeatAt.getTime(), renewed.lastHeartbeatAt.getTime());
        assert.equal(stored.backend, 'webgpu');
        assert.equal(stored.adapter, 'NVIDIA (vulkan)');
        assert.deepEqual(stored.datasets, ['synthetic']);
        assert.equal(stored.concurrency, 4);
        assert.equal(await storage.workers.findById('api-key:k1/nobody'), null);
      });

      test('lists page through the workers in registration order, alive ones or all, of one project or all', async () => {
        const now = Date.now();
        const ids: string[] = [];
        for (let i = 0; i < 5; i += 1) {
          const id = `api-key:page/${i}`;
          ids.push(id);
          await storage.workers.upsert(
            workerRecord(id, {
              project: i % 2 === 0 ? 'pager' : null,
              registeredAt: new Date(now + 1000 * Math.floor(i / 2)),
              expiresAt: new Date(now + (i === 4 ? -1000 : 60_000)),
            }),
          );
        }
        const seen: string[] = [];
        for (let after: string | null = null; ; ) {
          const page = await storage.workers.list({ project: 'pager' }, { first: 2, after });
          assert.equal(page.totalCount, 3);
          seen.push(...page.items.map((i) => i.node.id));
          if (!page.hasNextPage) break;
          after = page.items.at(-1)!.cursor;
        }
        assert.deepEqual(seen, [ids[0], ids[2], ids[4]]);
        const alive = await storage.workers.list({ project: 'pager', aliveAt: new Date(now) }, { first: 10, after: null });
        assert.deepEqual(alive.items.map((i) => i.node.id), [ids[0], ids[2]], 'an expired registration is not alive');
        const all = await storage.workers.list({}, { first: 500, after: null });
        assert.ok(ids.every((id) => all.items.some((i) => i.node.id === id)));
      });

      test('each worker’s current trials are the RUNNING ones it holds, whatever the length of its identity', async () => {
        const space = searchSpaceRecord();
        await storage.searchSpaces.insert(space);
        const experiment = experimentRecord(space.id);
        await storage.experiments.insert(experiment);
        // A key's identity and a 200-character name: the longest holder a claim can record.
        const long = `api-key:${experiment.id}/${'n'.repeat(200)}`;
        const other = 'api-key:k2/other';
        await storage.workers.upsert(workerRecord(long));
        await storage.workers.upsert(workerRecord(other));
        const held = trialRecord(experiment.id, 1, { status: TrialStatus.RUNNING, workerId: long });
        const finished = trialRecord(experiment.id, 2, { status: TrialStatus.SUCCEEDED, workerId: long, reward: 0.5 });
        const elsewhere = trialRecord(experiment.id, 3, { status: TrialStatus.RUNNING, workerId: other });
        await storage.trials.insert([held, finished, elsewhere]);
        const current = await storage.workers.runningTrials([long, other, 'api-key:k3/idle']);
        assert.deepEqual(current.get(long)?.map((t) => t.id), [held.id]);
        assert.deepEqual(current.get(other)?.map((t) => t.id), [elsewhere.id]);
        assert.deepEqual(current.get('api-key:k3/idle'), []);
      });

      test('a stopping worker is deleted; gone ones are forgotten once expired long enough', async () => {
        const now = Date.now();
        await storage.workers.upsert(workerRecord('api-key:gone/old', { expiresAt: new Date(now - 2 * 86_400_000) }));
        await storage.workers.upsert(workerRecord('api-key:gone/recent', { expiresAt: new Date(now - 1000) }));
        assert.ok((await storage.workers.deleteExpired(new Date(now - 86_400_000))) >= 1);
        assert.equal(await storage.workers.findById('api-key:gone/old'), null);
        assert.ok(await storage.workers.findById('api-key:gone/recent'), 'recently gone workers stay listed');
        assert.equal(await storage.workers.delete('api-key:gone/recent'), true);
        assert.equal(await storage.workers.delete('api-key:gone/recent'), false);
      });
    });
  }
});
