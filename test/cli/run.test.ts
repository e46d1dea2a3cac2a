import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CLI, ROOT } from '../helpers/fixtures.js';
import { nb201Table } from '../helpers/nb201-table.js';

const scratch = mkdtempSync(join(tmpdir(), 'graphnas-run-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function experimentFile(name: string, experiment: Record<string, unknown>): string {
  const path = join(scratch, name);
  writeFileSync(path, JSON.stringify(experiment));
  return path;
}

function graphnas(args: readonly string[], env: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, GRAPHNAS_DATA_DIR: ':memory:', LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 240_000 });
}

test('graphnas run examples/nb201-reinforce.json finishes, prints progress, the leaderboard and the best cell', () => {
  const result = graphnas(['run', join(ROOT, 'examples', 'nb201-reinforce.json')]);
  assert.equal(result.status, 0, result.stderr);
  const out = result.stdout;
  assert.match(out, /200\/200 trials/);
  assert.match(out, /SUCCEEDED \(MAX_TRIALS\)/);
  const best = /^best: (\|.+\|)$/m.exec(out)?.[1];
  assert.ok(best, out);
  const table = nb201Table();
  assert.ok(table.has(best), 'the best cell prints in the benchmark form');
  const top = /^\s+1\s+\d+\s+([\d.]+)\s+/m.exec(out)?.[1];
  assert.equal(Number(top), Number(table.get(best)!['cifar10-val'].toFixed(3)));
});

test('graphnas with an unknown command explains itself', () => {
  const result = graphnas(['frobnicate']);
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown command "frobnicate"/);
  assert.match(result.stderr, /run FILE/);
});

test('a run whose every trial fails (a missing dataset) says why, counted, and exits 1 with the reason on stderr', () => {
  const file = experimentFile('missing-dataset.json', {
    name: 'missing dataset',
    searchSpace: join(ROOT, 'examples', 'fashion-mnist-layers.json'),
    strategy: { type: 'random' },
    evaluator: { type: 'tfjs-trainer', options: { dataset: { source: 'fashion-mnist', dir: join(scratch, 'no-such-dir') }, epochs: 1, trainSubset: 100, valSubset: 100 } },
    budget: { maxTrials: 6, parallelTrials: 2, maxFailedTrials: 3 },
    seed: 1,
  });
  const result = graphnas(['run', file]);
  assert.equal(result.status, 1, result.stderr);
  const failed = /^failed: (\d+) of (\d+) evaluations$/m.exec(result.stdout);
  assert.ok(failed, result.stdout);
  assert.equal(failed[1], failed[2], 'every evaluation failed');
  assert.ok(Number(failed[1]) >= 4, 'the budget allows 3 failures: the fourth ends the run');
  // The distinct error once, with how many trials it stopped.
  assert.match(result.stdout, new RegExp(`^\\s+${failed[1]}× \\S*no-such-dir/train-images-idx3-ubyte: not found.* \\(first: trial \\d+\\)$`, 'm'));
  assert.match(result.stdout, /no leaderboard: no trial finished with a reward/);
  assert.match(result.stderr, /^graphnas run: experiment [0-9a-f-]{36} ended FAILED \(TOO_MANY_FAILURES\): \d+ of \d+ evaluations failed; the most common error \(\d+×\): .*train-images-idx3-ubyte: not found/m);
});

test('a run with pruning says how many trials were pruned, by which rule and where', () => {
  const file = experimentFile('pruned.json', {
    name: 'pruned by ASHA',
    searchSpace: {
      version: 1,
      name: 'one dense layer',
      layers: { count: 1, types: [{ type: 'dense', units: [4, 8, 16, 32], activation: ['relu', 'tanh'] }] },
      hyperparameters: { learningRate: [0.0001, 0.001, 0.01, 0.05] },
    },
    strategy: { type: 'random' },
    evaluator: { type: 'tfjs-trainer', options: { dataset: { source: 'synthetic', count: 300 }, epochs: 2, backend: 'cpu', resolution: 12, trainSubset: 200, valSubset: 100 } },
    // η = 2 from the first epoch: a trial goes on only while it is in the top half at a rung, so most stop.
    earlyStopping: { type: 'asha', metric: 'val_accuracy', minResource: 1, reductionFactor: 2 },
    budget: { maxTrials: 8, parallelTrials: 1 },
    seed: 3,
  });
  const result = graphnas(['run', file]);
  assert.equal(result.status, 0, result.stderr);
  const pruned = /^pruned: (\d+) of 8 evaluations, by ASHA (\d+) \((rung \d+: \d+(?:, )?)+\)$/m.exec(result.stdout);
  assert.ok(pruned, result.stdout);
  assert.ok(Number(pruned[1]) > 0);
  assert.equal(pruned[2], pruned[1], 'one rule pruned them all');
  assert.match(result.stdout, /^ {2}e\.g\. trial \d+: ASHA rung \d+ \(step \d\): val_accuracy [\d.]+ is not in the top/m);
  assert.match(result.stdout, /SUCCEEDED \(MAX_TRIALS\)/);
});
