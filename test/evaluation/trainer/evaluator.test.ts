import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { EvaluationRequest, MetricPoint } from '../../../src/evaluation/evaluator.js';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';
import { sharedTrainWorkerPools } from '../../../src/evaluation/trainer/shared-pool.js';
import type { Architecture } from '../../../src/space/types.js';
import { SMALL_CNN, TINY_DENSE, layers } from './fixtures/archs.js';

const CONFIG = {
  type: 'tfjs-trainer',
  backend: 'wasm',
  dataset: { source: 'synthetic', count: 600 },
  validationFraction: 0.25,
  trainSubset: 300,
  valSubset: 120,
  resolution: null,
  epochs: 2,
  batchSize: 32,
  measureLatency: false,
};

const evaluators: TfjsTrainerEvaluator[] = [];
function evaluator(overrides: Record<string, unknown> = {}, workerScript?: string): TfjsTrainerEvaluator {
  const e = new TfjsTrainerEvaluator({ ...CONFIG, ...overrides }, { workerScript });
  evaluators.push(e);
  return e;
}
after(() => Promise.all(evaluators.map((e) => e.dispose())));

function request(trialId: string, architecture: Architecture, opts: { signal?: AbortSignal; report?: (p: MetricPoint) => void } = {}): EvaluationRequest {
  return {
    trialId,
    architecture,
    actions: [],
    label: trialId,
    seed: 1,
    dataSeed: 0,
    signal: opts.signal ?? new AbortController().signal,
    report: opts.report ?? (() => undefined),
  };
}

test('trains in a worker thread and forwards each epoch\'s metrics as it happens', async () => {
  const ev = evaluator({ workers: 1 });
  const seen: MetricPoint[] = [];
  let settled = false;
  let settledAtFirstEpoch: boolean | undefined;
  const trial = ev.evaluate(
    request('a', SMALL_CNN, {
      report: (point) => {
        seen.push(point);
        settledAtFirstEpoch ??= settled;
      },
    }),
  );
  void trial.finally(() => (settled = true));
  const result = await trial;
  assert.deepEqual(seen.map((p) => `${p.step}:${p.name}`), ['1:val_accuracy', '1:val_loss', '1:train_loss', '2:val_accuracy', '2:val_loss', '2:train_loss']);
  assert.equal(settledAtFirstEpoch, false, 'epoch 1 was reported while the trial was still training');
  assert.ok(result.reward > 0.4 && result.reward <= 1);
  assert.equal(result.metrics.epochs, 2);
  assert.deepEqual(ev.stats()?.backends, ['wasm']);
});

test('an abort stops the running training within a batch; a queued trial is dropped at once; the worker survives', async () => {
  const ev = evaluator({ workers: 1, epochs: 40 });
  const running = new AbortController();
  const queued = new AbortController();
  let abortedAt = 0;
  const first = ev.evaluate(
    request('long', SMALL_CNN, {
      signal: running.signal,
      report: (p) => {
        if (p.step === 1 && p.name === 'train_loss') {
          abortedAt = performance.now();
          running.abort();
        }
      },
    }),
  );
  const second = ev.evaluate(request('queued', TINY_DENSE, { signal: queued.signal }));
  queued.abort();
  await assert.rejects(second, (e: Error) => e.name === 'AbortError' && /queued/.test(e.message));
  await assert.rejects(first, (e: Error) => e.name === 'AbortError');
  const stopMs = performance.now() - abortedAt;
  // One batch of the small CNN takes a few ms on wasm; the bound leaves room for a loaded CI machine.
  assert.ok(stopMs < 1000, `stopped ${stopMs.toFixed(0)} ms after the abort`);
  const after = await ev.evaluate(request('next', TINY_DENSE));
  assert.ok(after.reward > 0);
  assert.equal(ev.stats()?.restarts, 0);
  await assert.rejects(ev.evaluate(request('pre-aborted', TINY_DENSE, { signal: AbortSignal.abort() })), /before it started/);
});

test('a crashing worker fails only its trial and is replaced', async () => {
  const ev = evaluator({ workers: 2 }, join(__dirname, 'fixtures', 'crash.worker.js'));
  const [crashed, fine] = await Promise.allSettled([ev.evaluate(request('crash-1', TINY_DENSE)), ev.evaluate(request('fine', TINY_DENSE))]);
  assert.equal(crashed.status, 'rejected');
  assert.match(String((crashed as PromiseRejectedResult).reason), /WorkerCrashedError: training worker died during trial crash-1 \(Error: simulated worker crash\)/);
  assert.equal(fine.status, 'fulfilled');
  const again = await Promise.all([ev.evaluate(request('b', TINY_DENSE)), ev.evaluate(request('c', TINY_DENSE))]);
  assert.equal(again.length, 2);
  assert.equal(ev.stats()?.restarts, 1);
});

test('training errors reject the trial without killing the worker', async () => {
  const ev = evaluator({ workers: 1 });
  await assert.rejects(ev.evaluate(request('bad', layers(TINY_DENSE.layers, { optimizer: 'lbfgs' }))), /unknown optimizer "lbfgs"/);
  assert.ok((await ev.evaluate(request('ok', TINY_DENSE))).reward > 0);
  assert.equal(ev.stats()?.restarts, 0);
});

test('warmStart hands the best finished trial\'s weights to later trials', async () => {
  const ev = evaluator({ workers: 1, warmStart: true, epochs: 1 });
  const first = await ev.evaluate(request('w1', SMALL_CNN));
  const second = await ev.evaluate(request('w2', SMALL_CNN));
  assert.equal(first.metrics.warm_started_layers, 0);
  assert.equal(second.metrics.warm_started_layers, 4, 'conv, conv, dense and logits');
});

test('dispose aborts the evaluator\'s trials, lets go of the workers and rejects later trials', async () => {
  const ev = evaluator({ workers: 1, epochs: 200 });
  const pending = assert.rejects(ev.evaluate(request('p', SMALL_CNN)), /evaluator disposed/);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(ev.workerThreadIds().length, 1);
  await ev.dispose();
  await pending;
  assert.deepEqual(ev.workerThreadIds(), []);
  await assert.rejects(ev.evaluate(request('q', TINY_DENSE)), /disposed/);
});

test('evaluators share one process-wide pool: one disposing leaves the other\'s trials running, the last one ends the pool', async () => {
  // Their own abort grace gives these two a pool of their own, apart from this file's other evaluators.
  const pools = sharedTrainWorkerPools();
  const a = new TfjsTrainerEvaluator({ ...CONFIG, workers: 1, epochs: 200, abortGraceMs: 4321 });
  const b = new TfjsTrainerEvaluator({ ...CONFIG, workers: 2, abortGraceMs: 4321 });
  try {
    const long = assert.rejects(a.evaluate(request('a-long', SMALL_CNN)), /evaluator disposed/);
    const short = [b.evaluate(request('b-1', TINY_DENSE)), b.evaluate(request('b-2', TINY_DENSE))];
    assert.equal(sharedTrainWorkerPools(), pools + 1);
    assert.equal(b.stats()?.size, 2, 'grown to the larger request');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(a.workerThreadIds().sort(), b.workerThreadIds().sort());
    await a.dispose();
    await long;
    for (const r of await Promise.all(short)) assert.ok(r.reward > 0);
    assert.equal(sharedTrainWorkerPools(), pools + 1, 'b still holds it');
  } finally {
    await Promise.all([a.dispose(), b.dispose()]);
  }
  assert.equal(sharedTrainWorkerPools(), pools);
});
