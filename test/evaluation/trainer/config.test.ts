import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvaluatorConfigError } from '../../../src/evaluation/trainer/errors.js';
import { PROXY_DEFAULTS, defaultWorkers, parseTfjsTrainerConfig, proxyOf } from '../../../src/evaluation/trainer/config.js';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';

test('defaults fill an empty config', () => {
  const c = parseTfjsTrainerConfig({ type: 'tfjs-trainer' });
  assert.equal(c.epochs, PROXY_DEFAULTS.epochs);
  assert.equal(c.resolution, 20);
  assert.deepEqual(c.dataset, { source: 'fashion-mnist' });
  assert.equal(c.workers, defaultWorkers());
  assert.equal(c.backend, 'auto');
  assert.equal(c.warmStart, false);
  assert.equal(c.schedule, 'linear');
  assert.deepEqual(c.constraints, []);
});

test('null switches optional knobs off; constraints get MnasNet defaults', () => {
  const c = parseTfjsTrainerConfig({ resolution: null, trainSubset: null, constraints: [{ metric: 'params', target: 1e5 }] });
  assert.equal(c.resolution, undefined);
  assert.equal(c.trainSubset, undefined);
  assert.deepEqual(c.constraints, [{ metric: 'params', target: 1e5, mode: 'soft', weight: -0.07 }]);
});

test('every problem is reported at once, with its field path', () => {
  let error: unknown;
  try {
    parseTfjsTrainerConfig({
      type: 'tfjs-trainer',
      epochs: 0,
      batchSize: 2.5,
      optimizer: 'lbfgs',
      reward: 'mean',
      schedule: 'step',
      dataset: { source: 'idx', images: 'a' },
      constraints: [{ metric: 'memory', target: -1, mode: 'strict' }],
      epoch: 3,
    });
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof EvaluatorConfigError);
  const paths = error.issues.map((i) => i.path).sort();
  assert.deepEqual(paths, [
    'batchSize', 'constraints.0.metric', 'constraints.0.mode', 'constraints.0.target', 'dataset.labels', 'epoch', 'epochs', 'optimizer', 'reward', 'schedule',
  ]);
  const says = (path: string): string | undefined => error.issues.find((i) => i.path === path)?.message;
  assert.equal(says('schedule'), 'must be one of constant, linear, cosine, got "step"');
  assert.equal(says('epochs'), 'must be an integer ≥ 1, got 0');
  assert.equal(says('optimizer'), 'must be one of adam, sgd, momentum, rmsprop, adagrad, adamax, adadelta, got "lbfgs"');
  assert.match(error.message, /^invalid tfjs-trainer config: \S+: .* \(and 9 more\)$/);
  assert.throws(() => new TfjsTrainerEvaluator({ type: 'tfjs-trainer', dataset: { source: 'mnist' } }), /dataset\.source: must be one of fashion-mnist, idx, csv, synthetic/);
  assert.throws(() => parseTfjsTrainerConfig('fast'), /^EvaluatorConfigError: invalid tfjs-trainer config: must be an object$/);
});

test('the data split follows the experiment\'s data seed unless the options name one', () => {
  assert.equal(parseTfjsTrainerConfig({}).splitSeed, null);
  assert.equal(proxyOf(parseTfjsTrainerConfig({}), 77).splitSeed, 77);
  assert.equal(proxyOf(parseTfjsTrainerConfig({ splitSeed: 3 }), 77).splitSeed, 3);
  assert.throws(() => parseTfjsTrainerConfig({ splitSeed: -1 }), /splitSeed/);
});
