import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { MetricPoint } from '../../../src/evaluation/evaluator.js';
import { selectBackend } from '../../../src/evaluation/backend/select.js';
import { buildChildNetwork } from '../../../src/evaluation/model/build.js';
import { PROXY_DEFAULTS, type ProxyConfig } from '../../../src/evaluation/trainer/config.js';
import { createOptimizer, scheduledLearningRate, setLearningRate } from '../../../src/evaluation/trainer/optimizer.js';
import { runTrial, type TrialJob } from '../../../src/evaluation/trainer/run-trial.js';
import { applyWarmStart, extractWeights } from '../../../src/evaluation/trainer/warm-start.js';
import type { Architecture } from '../../../src/space/types.js';
import { SMALL_CNN, TINY_DENSE, conv, dense, dropout, layers, maxPool, nb201 } from './fixtures/archs.js';

before(async () => {
  await selectBackend({ preferred: 'wasm' });
});

const PROXY: ProxyConfig = {
  ...PROXY_DEFAULTS,
  dataset: { source: 'synthetic', count: 600 },
  validationFraction: 0.25,
  trainSubset: 300,
  valSubset: 120,
  resolution: undefined,
  epochs: 3,
  batchSize: 32,
  measureLatency: false,
};

function job(architecture: Architecture, overrides: Partial<TrialJob> = {}, proxy: Partial<ProxyConfig> = {}): TrialJob {
  return { trialId: 't', architecture, seed: 1, proxy: { ...PROXY, ...proxy }, constraints: [], returnWeights: false, ...overrides };
}

const quiet = { shouldStop: () => false, report: () => undefined };

test('trains the small CNN well above chance, reporting each epoch as it ends', async () => {
  const points: MetricPoint[] = [];
  const { result } = await runTrial(job(SMALL_CNN, {}, { measureLatency: true }), { shouldStop: () => false, report: (p) => points.push(p) });
  assert.deepEqual(
    points.map((p) => `${p.step}:${p.name}`),
    [1, 2, 3].flatMap((e) => [`${e}:val_accuracy`, `${e}:val_loss`, `${e}:train_loss`]),
  );
  assert.ok(result.reward > 0.6, `accuracy ${result.reward} on 4 classes`);
  const best = Math.max(...points.filter((p) => p.name === 'val_accuracy').map((p) => p.value));
  assert.equal(result.reward, best, "reward 'best' is the best epoch's validation accuracy");
  assert.equal(result.metrics.epochs, 3);
  assert.ok((result.params ?? 0) > 0 && (result.flops ?? 0) > 0 && (result.latencyMs ?? 0) > 0);
  assert.ok(result.metrics.latency_batch64_ms_per_sample > 0);
});

test("reward 'final' uses the last epoch; the same seed reproduces the result", async () => {
  const a = await runTrial(job(TINY_DENSE, {}, { reward: 'final' }), quiet);
  const b = await runTrial(job(TINY_DENSE, {}, { reward: 'final' }), quiet);
  assert.equal(a.result.reward, a.result.metrics.val_accuracy);
  assert.deepEqual(a.result.metrics.val_loss, b.result.metrics.val_loss);
});

test('dropout masks come from the trial seed: the same seed trains the same way, another seed differently', async () => {
  const withDropout = layers([conv(4), maxPool(), dropout(0.5), dense(16), dropout(0.5)]);
  const train = async (seed: number) => (await runTrial(job(withDropout, { seed }, { epochs: 2 }), quiet)).result.metrics;
  const [a, b, c] = [await train(3), await train(3), await train(4)];
  assert.equal(a.train_loss, b.train_loss, 'same seed, same masks, same loss');
  assert.equal(a.val_loss, b.val_loss);
  assert.notEqual(a.train_loss, c.train_loss);
});

test("the architecture's hyperparameters override the proxy's", async () => {
  let checks = 0;
  const counting = { shouldStop: () => (checks++, false), report: () => undefined };
  await runTrial(job(layers(TINY_DENSE.layers, { batchSize: 100, learningRate: 0.01, optimizer: 'sgd' }), {}, { epochs: 1 }), counting);
  // 300 samples in batches of 100 = 3 steps, plus one validation batch.
  assert.equal(checks, 4);
  await assert.rejects(runTrial(job(layers(TINY_DENSE.layers, { optimizer: 'lbfgs' })), quiet), /unknown optimizer "lbfgs"/);
});

test('learning-rate schedules: constant holds, linear and cosine anneal to zero over the run, on every optimizer', async () => {
  assert.equal(scheduledLearningRate('constant', 0.1, 7, 10), 0.1);
  assert.equal(scheduledLearningRate('linear', 0.1, 0, 10), 0.1);
  assert.ok(Math.abs(scheduledLearningRate('linear', 0.1, 9, 10) - 0.01) < 1e-12);
  assert.ok(Math.abs(scheduledLearningRate('cosine', 0.1, 5, 10) - 0.05) < 1e-12);
  assert.ok(scheduledLearningRate('cosine', 0.1, 9, 10) < 0.003);
  // Every optimizer must actually read the new rate: at rate 0 a step changes nothing.
  for (const name of ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad', 'adamax', 'adadelta']) {
    const v = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = createOptimizer(name, 0.1);
    const loss = (): tf.Scalar => tf.sum(tf.square(v));
    opt.minimize(loss);
    const before = Array.from(v.dataSync());
    setLearningRate(opt, 0);
    opt.minimize(loss);
    assert.deepEqual(Array.from(v.dataSync()), before, `${name} ignored the new rate`);
    setLearningRate(opt, 0.1);
    opt.minimize(loss);
    assert.notDeepEqual(Array.from(v.dataSync()), before, `${name} stuck at rate 0`);
    opt.dispose();
    v.dispose();
  }
  // Through a trial: an annealed run differs from a constant one with everything else equal.
  const constant = await runTrial(job(TINY_DENSE, {}, { reward: 'final', schedule: 'constant' }), quiet);
  const linear = await runTrial(job(TINY_DENSE, {}, { reward: 'final', schedule: 'linear' }), quiet);
  assert.notEqual(linear.result.metrics.train_loss, constant.result.metrics.train_loss);
});

test('a stop request is honoured before the next batch', async () => {
  let checks = 0;
  const stopAfter = 5;
  const hooks = { shouldStop: () => ++checks > stopAfter, report: () => undefined };
  await assert.rejects(runTrial(job(SMALL_CNN), hooks), (e: Error) => e.name === 'AbortError');
  assert.equal(checks, stopAfter + 1, 'no batch ran after the flag was seen');
});

test('a hard constraint known before training skips the training', async () => {
  const points: MetricPoint[] = [];
  const { result } = await runTrial(job(SMALL_CNN, { constraints: [{ metric: 'params', target: 10, mode: 'hard', weight: 0 }] }), {
    shouldStop: () => false,
    report: (p) => points.push(p),
  });
  assert.equal(result.reward, 0);
  assert.equal(result.metrics.violates_params, 1);
  assert.equal(points.length, 0);
});

test('warm start copies every layer whose class and weight shapes match, in network order', () => {
  const donorModel = buildChildNetwork(layers([conv(4), maxPool(), conv(8), dense(16)]), [12, 12, 1], 4, 1);
  const donor = extractWeights(donorModel);
  // The second conv differs (5×5 kernel); the first conv, the dense layer (same 6×6×8 flatten) and the logits match.
  const child = buildChildNetwork(layers([conv(4), maxPool(), conv(8, 5), dense(16)]), [12, 12, 1], 4, 2);
  const n = applyWarmStart(child, donor);
  assert.equal(n, 3, 'first conv, dense 288→16 (same flatten size) and logits');
  assert.deepEqual(Array.from(child.getLayer('l0_conv2d').getWeights()[0].dataSync()), Array.from(donor[0].values[0]));
  assert.notDeepEqual(Array.from(child.getLayer('l2_conv2d').getWeights()[0].dataSync()), Array.from(donor[1].values[0]));
  donorModel.dispose();
  child.dispose();
});

test('tensor count stays flat across 20 trials (layers, cells, dropout, warm start, latency, aborts)', async () => {
  const tiny = { trainSubset: 64, valSubset: 32, epochs: 1, measureLatency: true };
  const cell = nb201('|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|none~2|', { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 });
  const archs: Architecture[] = [SMALL_CNN, cell, layers([conv(4), dropout(0.3), dense(8, [0])]), TINY_DENSE];
  // Warm up: the first trial allocates backend-level state (kernels, the dataset cache is plain arrays).
  const first = await runTrial(job(SMALL_CNN, { returnWeights: true }, tiny), quiet);
  const start = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) {
    const hooks = i % 7 === 6 ? { shouldStop: () => true, report: () => undefined } : quiet;
    const run = runTrial(job(archs[i % archs.length], { seed: i, donor: first.weights, returnWeights: i % 2 === 0 }, tiny), hooks);
    if (i % 7 === 6) await assert.rejects(run, /aborted/);
    else await run;
    assert.equal(tf.memory().numTensors, start, `after trial ${i}`);
  }
});
