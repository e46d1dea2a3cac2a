import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { createExperimentVia } from '../helpers/experiments.js';
import { FINALIST_SPACE, syntheticTrainer } from '../helpers/fixtures.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { until } from '../helpers/until.js';

const SPACE = FINALIST_SPACE;
const EVALUATOR = syntheticTrainer({ count: 500 });

interface FinalTrial {
  id: string;
  status: string;
  attempt: number;
  finalistOfId: string;
  final: { replicate: number };
  finalMetrics: Record<string, number>;
  model: { files: { name: string }[] } | null;
}

const FINALS = `query($id: ID!) { experiment(id: $id) {
  finalization { status round finalists { proxyTrial { id } test { n } } }
  trials(stage: FINAL, first: 100) { edges { node { id status attempt finalistOfId final { replicate } finalMetrics model { files { name } } } } }
} }`;

type FinalsView = { experiment: { finalization: { status: string; finalists: { proxyTrial: { id: string }; test: { n: number } | null }[] } | null; trials: { edges: { node: FinalTrial }[] } } };

const dataDir = mkdtempSync(join(tmpdir(), 'graphnas-final-restart-'));
let server: ChildServer | null = null;
after(async () => {
  server?.process.kill('SIGKILL');
  await server?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

test('a finalization killed while a finalist trains resumes after the restart: every finalist once, each seed once, nothing lost', async () => {
  const env = { GRAPHNAS_DATA_DIR: join(dataDir, 'db'), GRAPHNAS_ARTIFACT_DIR: join(dataDir, 'artifacts'), GRAPHNAS_SCHEDULER_RESYNC_MS: '200', GRAPHNAS_TRIAL_LEASE_SECONDS: '5' };
  server = await startChildServer(env);
  const id = await createExperimentVia(server.url, { name: 'restart', strategy: { type: 'random' }, evaluator: EVALUATOR, budget: { maxTrials: 4, parallelTrials: 1, maxConsecutiveDuplicates: 20 }, seed: 3 }, SPACE);
  await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
  const url = server.url;
  await until('the search to end', () => gqlOk<{ experiment: { status: string } }>(url, `query($id: ID!) { experiment(id: $id) { status } }`, { id }), (r) => r.experiment.status !== 'RUNNING', 240_000, 150);
  await gqlOk(server.url, `mutation($id: ID!) { finalizeExperiment(id: $id, input: { topK: 2, seeds: 2, budget: { epochs: 3 } }) { status } }`, { id });

  // Kill -9 in the middle of a finalist's training.
  await until('a finalist training', () => gqlOk<FinalsView>(url, FINALS, { id }), (v) => v.experiment.trials.edges.some((e) => e.node.status === 'RUNNING'), 120_000, 150);
  server.process.kill('SIGKILL');
  await server.exited;

  server = await startChildServer(env);
  const restarted = server.url;
  const done = await until('the finalization to end after the restart', () => gqlOk<FinalsView>(restarted, FINALS, { id }), (v) => v.experiment.finalization?.status !== 'RUNNING', 240_000, 150);
  const finals = done.experiment.trials.edges.map((e) => e.node);
  assert.equal(done.experiment.finalization!.status, 'SUCCEEDED');
  assert.equal(finals.length, 4, 'the restart created no finalist of its own: 2 finalists × 2 seeds');
  for (const proxy of done.experiment.finalization!.finalists) {
    const mine = finals.filter((t) => t.finalistOfId === proxy.proxyTrial.id);
    assert.deepEqual(mine.map((t) => t.final.replicate).sort(), [0, 1], 'each seed once');
    assert.ok(mine.every((t) => t.status === 'SUCCEEDED'), JSON.stringify(mine.map((t) => [t.status, t.attempt])));
    assert.equal(proxy.test?.n, 2, 'both seeds tested');
  }
  assert.ok(finals.every((t) => t.attempt === 1), 'the killed process’s finalist was handed back without counting an attempt against it');
  for (const t of finals) {
    assert.equal(typeof t.finalMetrics.test_accuracy, 'number', `tested: ${JSON.stringify(t.finalMetrics)}`);
    assert.ok(t.model?.files.some((f) => f.name === 'model.json'), `its model kept: ${JSON.stringify(t.model)}`);
  }
});
