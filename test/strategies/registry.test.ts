import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, defaultHyperparameters, STRATEGY_TYPES, validateStrategyConfig } from '../../src/strategies/registry.js';
import { StrategyConfigError } from '../../src/strategies/hyperparameters.js';
import { CONDITIONED, useBackend } from './fixtures.js';

const isConfigError =
  (path: string) =>
  (e: unknown): boolean =>
    e instanceof StrategyConfigError && e.issues.length === 1 && e.issues[0]!.path === path;

describe('strategy registry', () => {
  before(() => useBackend('cpu'));

  it('creates every listed type', async () => {
    for (const { type } of STRATEGY_TYPES) {
      const s = createStrategy(CONDITIONED, { type }, 1);
      assert.equal(s.type, type);
      assert.equal((await s.propose(2)).length, 2);
      s.dispose();
    }
  });

  it('lists defaults for every hyperparameter', () => {
    const reinforce = defaultHyperparameters('reinforce');
    for (const key of ['hiddenSize', 'layers', 'learningRate', 'batchSize', 'entropyWeight', 'baselineDecay', 'tanhConstant', 'temperature', 'gradientClipNorm', 'rewardTransform', 'rewardNormalization']) {
      assert.ok(key in reinforce, key);
    }
    assert.deepEqual(defaultHyperparameters('evolution'), { populationSize: 20, sampleSize: 5 });
    assert.deepEqual(defaultHyperparameters('random'), {});
  });

  it('fills defaults and keeps given values', () => {
    const config = validateStrategyConfig({ type: 'reinforce', hyperparameters: { learningRate: 0.001, tanhConstant: null } });
    assert.equal(config.hyperparameters.learningRate, 0.001);
    assert.equal(config.hyperparameters.tanhConstant, null);
    assert.equal(config.hyperparameters.batchSize, defaultHyperparameters('reinforce').batchSize);
  });

  it('rejects bad configurations with a field path', () => {
    assert.throws(() => createStrategy(CONDITIONED, { type: 'bayesian' }, 1), isConfigError('type'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { learningrate: 0.1 } }), isConfigError('hyperparameters.learningrate'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { learningRate: 0 } }), isConfigError('hyperparameters.learningRate'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { learningRate: '0.1' } }), isConfigError('hyperparameters.learningRate'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { layers: 2.5 } }), isConfigError('hyperparameters.layers'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { rewardTransform: 'square' } }), isConfigError('hyperparameters.rewardTransform'));
    assert.throws(() => validateStrategyConfig({ type: 'reinforce', hyperparameters: { temperature: null } }), isConfigError('hyperparameters.temperature'));
    assert.throws(() => validateStrategyConfig({ type: 'evolution', hyperparameters: JSON.parse('[]') as Record<string, unknown> }), isConfigError('hyperparameters'));
    assert.throws(() => validateStrategyConfig({ type: 'random', hyperparameters: { anything: 1 } }), isConfigError('hyperparameters.anything'));
  });

  it('reports every bad hyperparameter at once, each at its own path', () => {
    assert.throws(
      () => validateStrategyConfig({ type: 'reinforce', hyperparameters: { learningRat: 0.1, layers: 0, temperature: 'hot' } }),
      (e: unknown) =>
        e instanceof StrategyConfigError &&
        JSON.stringify(e.issues.map((i) => i.path).sort()) === JSON.stringify(['hyperparameters.layers', 'hyperparameters.learningRat', 'hyperparameters.temperature']),
    );
  });
});
