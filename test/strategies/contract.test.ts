import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, STRATEGY_TYPES } from '../../src/strategies/registry.js';
import { strategyContract } from './contract.js';
import { useBackend } from './fixtures.js';

/** Smaller settings where the defaults would make the suite slow, not different. */
const SMALL: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  reinforce: { hiddenSize: 8, batchSize: 3, learningRate: 0.05 },
  evolution: { populationSize: 8, sampleSize: 3 },
  tpe: { startupTrials: 5 },
};

describe('the strategy contract', () => {
  before(() => useBackend('cpu'));

  it('covers every registered strategy type', () => {
    assert.deepEqual(STRATEGY_TYPES.map((t) => t.type).sort(), ['evolution', 'mcts', 'random', 'reinforce', 'tpe']);
  });

  for (const { type } of STRATEGY_TYPES) {
    describe(type, () => {
      strategyContract({ type, learns: type !== 'random', make: (decisions, seed) => createStrategy(decisions, { type, hyperparameters: SMALL[type] }, seed) });
    });
  }
});
