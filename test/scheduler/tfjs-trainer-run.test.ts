import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { gqlOk, subscribe } from '../helpers/graphql-client.js';
import { TRAINING_SPACE, syntheticTrainer } from '../helpers/fixtures.js';
import { startTestServer } from '../helpers/server.js';

// Real tfjs training in worker threads, in seconds.
const SPACE = TRAINING_SPACE;
const EVALUATOR = syntheticTrainer({ epochs: 2, workers: 2, testFraction: null });

interface MetricEvent {
  trialId: string;
  step: number;
  name: string;
  value: number;
}

describe('an experiment trained by tfjs-trainer streams its learning curves', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('4 trials train in worker threads; every epoch is pushed to subscribers as it happens', async () => {
        const id = await createExperimentVia(
          server.url,
          { name: 'tfjs', strategy: { type: 'random' }, evaluator: EVALUATOR, budget: { maxTrials: 4, parallelTrials: 2, maxConsecutiveDuplicates: 20 }, seed: 5 },
          SPACE,
        );
        const metrics = await subscribe(server.url, `subscription($id: ID!) { trialMetricReported(experimentId: $id) { trialId step name value } }`, { id }, (d) => d.trialMetricReported as MetricEvent);
        const status = await subscribe(server.url, `subscription($id: ID!) { experimentUpdated(id: $id) { status } }`, { id }, (d) => d.experimentUpdated as { status: string });
        await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
        await status.until((r) => r.some((e) => e.status !== 'RUNNING'), 240_000);

        const final = await gqlOk<{ experiment: { status: string; trials: { edges: { node: { id: string; status: string; reward: number; params: number; flops: number; duplicateOfId: string | null; runtime: { backend: string; adapter: string | null } | null; metrics: { step: number; name: string; value: number }[] } }[] } } }>(
          server.url,
          `query($id: ID!) { experiment(id: $id) { status trials(first: 50) { edges { node { id status reward params flops duplicateOfId runtime { backend adapter } metrics(name: "val_accuracy") { step name value } } } } } }`,
          { id },
        );
        assert.equal(final.experiment.status, 'SUCCEEDED');
        const evaluated = final.experiment.trials.edges.map((e) => e.node).filter((t) => t.duplicateOfId === null);
        assert.equal(evaluated.length, 4);
        for (const trial of evaluated) {
          assert.equal(trial.status, 'SUCCEEDED');
          assert.ok(trial.reward > 0.25, `a trained child beats chance on 4 classes (got ${trial.reward})`);
          assert.ok(trial.params > 0 && trial.flops > 0);
          assert.ok(trial.runtime && ['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu', 'webgpu'].includes(trial.runtime.backend), `the trial names what trained it: ${JSON.stringify(trial.runtime)}`);
          assert.deepEqual(trial.metrics.map((m) => m.step), [1, 2]);
          const pushed = metrics.received.filter((m) => m.trialId === trial.id && m.name === 'val_accuracy');
          assert.deepEqual(pushed.map((m) => [m.step, m.value]), trial.metrics.map((m) => [m.step, m.value]), 'every epoch was pushed, in order');
        }
        await Promise.all([metrics.close(), status.close()]);
      });
    });
  }
});
