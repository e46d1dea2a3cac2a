import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvaluationRequest, FinalTraining, MetricPoint } from '../../../src/evaluation/evaluator.js';
import { EvaluatorConfigError } from '../../../src/evaluation/trainer/errors.js';
import { finalBudgetDefaults, finalBudgetIssues, finalConfig, testSplitOf } from '../../../src/evaluation/trainer/final.js';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';
import type { Architecture } from '../../../src/space/types.js';
import { SMALL_CNN, nb201 } from './fixtures/archs.js';

const CONFIG = {
  type: 'tfjs-trainer',
  backend: 'wasm',
  dataset: { source: 'synthetic', count: 500, testFraction: 0.2 },
  validationFraction: 0.25,
  trainSubset: 200,
  valSubset: 80,
  resolution: null,
  epochs: 1,
  batchSize: 32,
  measureLatency: false,
  workers: 1,
};

const evaluators: TfjsTrainerEvaluator[] = [];
function evaluator(overrides: Record<string, unknown> = {}): TfjsTrainerEvaluator {
  const e = new TfjsTrainerEvaluator({ ...CONFIG, ...overrides });
  evaluators.push(e);
  return e;
}
after(() => Promise.all(evaluators.map((e) => e.dispose())));

function request(trialId: string, architecture: Architecture, opts: { seed?: number; final?: FinalTraining; report?: (p: MetricPoint) => void } = {}): EvaluationRequest {
  return {
    trialId,
    architecture,
    actions: [0, 1],
    label: trialId,
    seed: opts.seed ?? 1,
    dataSeed: 0,
    signal: new AbortController().signal,
    report: opts.report ?? (() => undefined),
    ...(opts.final ? { final: opts.final } : {}),
  };
}

const TINY_CELL = nb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|', { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 });

test('final budget defaults: the whole data at native resolution, more epochs by source, cosine, reward at the last epoch', () => {
  assert.deepEqual(finalBudgetDefaults({ dataset: { source: 'fashion-mnist' } }), {
    epochs: 10, trainSubset: null, valSubset: null, resolution: null, batchSize: 64, optimizer: 'adam', learningRate: 0.002, schedule: 'cosine', reward: 'final', measureLatency: true,
  });
  assert.equal(finalBudgetDefaults(CONFIG).epochs, 30, 'small synthetic data: more epochs');
  assert.equal(finalBudgetDefaults({ ...CONFIG, epochs: 40 }).epochs, 40, 'never fewer than the search trained');
  const merged = finalConfig(CONFIG, { ...finalBudgetDefaults(CONFIG), epochs: 3 });
  assert.equal(merged.trainSubset, undefined);
  assert.equal(merged.resolution, undefined);
  assert.equal(merged.epochs, 3);
  assert.equal(merged.batchSize, 32, "the search's own settings carry over");
  // An optional knob the search switched off stays off when the budget does not mention it.
  assert.equal(finalConfig({ ...CONFIG, valSubset: null }, {}).valSubset, undefined);
});

test('a final budget takes only training knobs, each validated, with paths relative to the budget', () => {
  assert.deepEqual(finalBudgetIssues(CONFIG, { epochs: 5, resolution: null }), []);
  const issues = finalBudgetIssues(CONFIG, { epochs: 0, dataset: { source: 'synthetic' }, workers: 2, schedule: 'step' }).map((i) => `${i.path}: ${i.message}`);
  assert.equal(issues.length, 4);
  assert.match(issues[0], /^dataset: not a final-budget option \(one of epochs, trainSubset/);
  assert.match(issues[1], /^workers: not a final-budget option/);
  assert.ok(issues.includes('epochs: must be an integer ≥ 1, got 0'));
  assert.ok(issues.includes('schedule: must be one of constant, linear, cosine, got "step"'));
  assert.throws(() => finalConfig(CONFIG, { warmStart: true }), (e: unknown) => e instanceof EvaluatorConfigError && e.issues[0].path === 'warmStart');
});

test('testSplitOf: null where the dataset has a test split, the reason where it has none', () => {
  assert.equal(testSplitOf(CONFIG), null);
  assert.equal(testSplitOf({ dataset: { source: 'fashion-mnist' } }), null);
  assert.match(testSplitOf({ ...CONFIG, dataset: { source: 'synthetic' } }) ?? '', /has no test split: search again with dataset.testFraction/);
});

test('a finalist trains on its budget, reports validation per epoch, and the test split once at the end', async () => {
  const ev = evaluator();
  const points: MetricPoint[] = [];
  const result = await ev.evaluate(request('f', SMALL_CNN, { final: { budget: { ...finalBudgetDefaults(CONFIG), epochs: 2, measureLatency: false }, keepModel: false }, report: (p) => points.push(p) }));
  assert.deepEqual(points.map((p) => `${p.step}:${p.name}`), ['1:val_accuracy', '1:val_loss', '1:train_loss', '2:val_accuracy', '2:val_loss', '2:train_loss']);
  const m = result.metrics;
  assert.equal(m.epochs, 2);
  assert.equal(m.train_samples, 300, 'the whole training split: 500 less 100 test less 100 validation');
  assert.equal(m.test_samples, 100);
  assert.ok(m.test_accuracy > 0.4 && m.test_accuracy <= 1, `test accuracy ${m.test_accuracy}`);
  assert.ok(Number.isFinite(m.test_loss));
  assert.equal(result.reward, m.val_accuracy, 'the reward is the last epoch\'s validation accuracy, never the test');
  assert.equal(result.artifact, undefined);
});

test('a finalist fails clearly on a dataset without a test split or with a bad budget', async () => {
  const ev = evaluator({ dataset: { source: 'synthetic', count: 200 } });
  await assert.rejects(ev.evaluate(request('n', SMALL_CNN, { final: { budget: { epochs: 1 }, keepModel: false } })), /the synthetic dataset has no test split/);
  await assert.rejects(ev.evaluate(request('b', SMALL_CNN, { final: { budget: { dataset: {} }, keepModel: false } })), (e: unknown) => e instanceof EvaluatorConfigError && e.issues[0].path === 'dataset');
});

test('weight inheritance retrains the proxy trial exactly and starts the finalist from its weights', async () => {
  const ev = evaluator();
  const proxy = await ev.evaluate(request('p', TINY_CELL, { seed: 5 }));
  const final = await ev.evaluate(request('fi', TINY_CELL, { seed: 9, final: { budget: { epochs: 1 }, keepModel: false, inheritFromSeed: 5 } }));
  assert.equal(final.metrics.inherited_proxy_accuracy, proxy.reward, 'the same seed, data and settings give the proxy trial\'s network again');
  // Every weighted layer of a cell network keeps its shapes across budgets: stem conv + BN, three
  // ReLU-Conv-BN edges in each of the two cells, the reduction block's two conv + BN and its
  // projection, the last BN and the classifier: 2 + 6 + 5 + 6 + 1 + 1.
  assert.equal(final.metrics.inherited_layers, 21);
  const fresh = await ev.evaluate(request('fn', TINY_CELL, { seed: 9, final: { budget: { epochs: 1 }, keepModel: false } }));
  assert.equal(fresh.metrics.inherited_layers, undefined);
  assert.notEqual(final.metrics.test_loss, fresh.metrics.test_loss, 'the inherited start changed the training');
});
