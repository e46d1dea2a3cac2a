import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import type { RunningServer } from '../../src/server.js';
import { WorkerApi } from '../../src/worker/api.js';
import { FleetWorker } from '../../src/worker/fleet-worker.js';
import { WorkerMetrics } from '../../src/worker/worker-metrics.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE, TRAINING_SPACE, syntheticTrainerOptions } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk, subscribe } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

interface TrialView {
  sequence: number;
  label: string;
  status: string;
  reward: number | null;
  workerId: string | null;
  duplicateOfId: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  runtime: { backend: string; adapter: string | null } | null;
}
const TRIALS = `query($id: ID!) { experiment(id: $id) { status trials(first: 100) { edges { node { sequence label status reward workerId duplicateOfId startedAt finishedAt runtime { backend adapter } } } } } }`;

// Real training, in seconds.
const SPACE = TRAINING_SPACE;
const TINY_PROXY = syntheticTrainerOptions({ count: 300, epochs: 2, testFraction: null });

describe('placement: where an experiment’s trials are evaluated', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let admin: { token: string };
      let workerKey: { token: string; id: string };

      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
        admin = { token: (await server.services.keys.create({ name: 'admin', role: 'admin', project: null }, 'test')).token };
        const created = await server.services.keys.create({ name: 'fleet', role: 'worker', project: null }, 'test');
        workerKey = { token: created.token, id: created.key.id };
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      /** A fleet worker in this process, until the experiment ends. */
      async function workUntilEnded(experimentId: string, name: string, concurrency = 2): Promise<void> {
        const worker = new FleetWorker({
          api: new WorkerApi({ url: server.url, apiKey: workerKey.token, timeoutMs: 10_000 }),
          name,
          concurrency,
          experimentIds: [experimentId],
          projects: [],
          leaseSeconds: 30,
          idleMs: 50,
          maxIdleMs: 200,
          stopGraceMs: 0,
          backend: 'auto',
          machine: { host: 'test-host', cores: 2, gpu: null, datasets: ['synthetic'] },
          logger: createLogger('silent', { pretty: false }),
          metrics: new WorkerMetrics(),
        });
        const running = worker.run();
        const status = await subscribe(server.url, `subscription($id: ID!) { experimentUpdated(id: $id) { status } }`, { id: experimentId }, (d) => d.experimentUpdated as { status: string }, admin);
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id: experimentId }, admin);
        await status.until((r) => r.some((e) => e.status !== 'RUNNING'), 120_000);
        await status.close();
        worker.stop(0);
        await running;
      }

      async function create(input: Record<string, unknown>, definition: unknown): Promise<string> {
        const space = await gqlOk<{ createSearchSpace: { id: string } }>(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "space", definition: $d }) { id } }`, { d: definition }, admin);
        const created = await gqlOk<{ createExperiment: { id: string } }>(
          server.url,
          `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
          { input: { ...input, searchSpaceId: space.createSearchSpace.id } },
          admin,
        );
        return created.createExperiment.id;
      }

      async function trials(id: string): Promise<{ status: string; trials: TrialView[] }> {
        const { experiment } = await gqlOk<{ experiment: { status: string; trials: { edges: { node: TrialView }[] } } }>(server.url, TRIALS, { id }, admin);
        return { status: experiment.status, trials: experiment.trials.edges.map((e) => e.node).sort((a, b) => a.sequence - b.sequence) };
      }

      test('workers: only remote workers evaluate, and the results are what the service’s own pool computes', async () => {
        const input = (placement: string | undefined) => ({
          name: `nb201 ${placement ?? 'service'}`,
          strategy: { type: 'random' },
          evaluator: { type: 'tabular', options: placement ? { placement } : {} },
          budget: { maxTrials: 12, parallelTrials: 3 },
          seed: 7,
        });
        const inService = await create(input(undefined), NB201_SPACE());
        const onWorkers = await create(input('workers'), NB201_SPACE());

        const refused = await gql(server.url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "w") { id } }`, { e: inService }, workerKey);
        assert.equal(errorCode(refused), 'CONFLICT', 'the service’s own experiment hands nothing to workers');

        const service = await gqlOk<{ startExperiment: { status: string } }>(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id: inService }, admin);
        assert.equal(service.startExperiment.status, 'RUNNING');
        await workUntilEnded(onWorkers, 'tabular-fleet');
        await server.services.scheduler!.idle(inService);

        const local = await trials(inService);
        const remote = await trials(onWorkers);
        assert.equal(remote.status, 'SUCCEEDED');
        assert.equal(local.status, 'SUCCEEDED');
        const evaluated = remote.trials.filter((t) => t.duplicateOfId === null);
        assert.ok(evaluated.length >= 12);
        for (const t of evaluated) {
          assert.equal(t.status, 'SUCCEEDED');
          assert.equal(t.workerId, `api-key:${workerKey.id}/tabular-fleet`, `trial ${t.sequence} was evaluated by the fleet worker, never in the service`);
        }
        assert.deepEqual(
          remote.trials.map((t) => [t.sequence, t.label, t.status, t.reward]),
          local.trials.map((t) => [t.sequence, t.label, t.status, t.reward]),
          'the same seed gives the same trials and rewards wherever they are evaluated',
        );
        assert.ok(local.trials.every((t) => t.duplicateOfId !== null || t.workerId?.startsWith('inproc:')));
      });

      test('any: the service’s pool and a worker draw from one queue; the pool claims only what it starts at once', async () => {
        const id = await create(
          {
            name: 'mixed',
            strategy: { type: 'random' },
            evaluator: { type: 'tfjs-trainer', options: { ...TINY_PROXY, workers: 1, placement: 'any' } },
            budget: { maxTrials: 6, parallelTrials: 3, maxConsecutiveDuplicates: 20 },
            seed: 4,
          },
          SPACE,
        );
        await workUntilEnded(id, 'mixed-fleet', 1);
        const { status, trials: all } = await trials(id);
        assert.equal(status, 'SUCCEEDED');
        const evaluated = all.filter((t) => t.duplicateOfId === null);
        const inService = evaluated.filter((t) => t.workerId?.startsWith('inproc:'));
        const onWorker = evaluated.filter((t) => t.workerId === `api-key:${workerKey.id}/mixed-fleet`);
        assert.equal(inService.length + onWorker.length, evaluated.length, 'every trial was evaluated by the service or the worker');
        assert.ok(inService.length > 0 && onWorker.length > 0, `both drew from the queue: ${inService.length} in the service, ${onWorker.length} on the worker`);
        for (const t of evaluated) {
          assert.equal(t.status, 'SUCCEEDED');
          assert.ok(t.runtime && ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'].includes(t.runtime.backend), `trial ${t.sequence} records what trained it: ${JSON.stringify(t.runtime)}`);
        }
        // The pool has one thread. Claiming up to parallelTrials, the service would hold all
        // three at the start and queue two behind the first; it claims the next only once
        // the thread is free, which may be while the previous one's completion is written.
        const moments = inService.flatMap((t) => [[Date.parse(t.startedAt!), 1] as const, [Date.parse(t.finishedAt!), -1] as const]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        let held = 0;
        let most = 0;
        for (const [, change] of moments) most = Math.max(most, (held += change));
        assert.ok(most <= 2, `the service held at most one trial training and one being recorded (${most} at once)`);
      });
    });
  }
});
