import assert from 'node:assert/strict';
import { test } from 'node:test';
import { medianStoppingRule } from '../../src/core/early-stopping/median-stopping.js';

const rule = { type: 'median' as const, metric: 'val_accuracy', minTrials: 3, startStep: 2 };

test('the median rule stops a trial worse than the median of completed trials at the same step', () => {
  const decision = medianStoppingRule(rule, 'MAXIMIZE', 3, 0.4, [0.6, 0.7, 0.5]);
  assert.equal(decision.stop, true);
  assert.match(decision.reason, /below the median 0\.6000 of 3 completed trials/);
  assert.equal(medianStoppingRule(rule, 'MAXIMIZE', 3, 0.65, [0.6, 0.7, 0.5]).stop, false);
  // An even count takes the mean of the middle two.
  assert.equal(medianStoppingRule(rule, 'MAXIMIZE', 3, 0.59, [0.5, 0.6, 0.7, 0.8]).stop, true);
  assert.equal(medianStoppingRule(rule, 'MAXIMIZE', 3, 0.66, [0.5, 0.6, 0.7, 0.8]).stop, false);
});

test('it waits for startStep and minTrials, and respects a minimised metric', () => {
  assert.equal(medianStoppingRule(rule, 'MAXIMIZE', 1, 0.1, [0.6, 0.7, 0.5]).stop, false);
  assert.equal(medianStoppingRule(rule, 'MAXIMIZE', 3, 0.1, [0.6, 0.7]).stop, false);
  assert.equal(medianStoppingRule({ ...rule, metric: 'val_loss' }, 'MINIMIZE', 3, 0.9, [0.5, 0.6, 0.7]).stop, true);
  assert.equal(medianStoppingRule({ ...rule, metric: 'val_loss' }, 'MINIMIZE', 3, 0.4, [0.5, 0.6, 0.7]).stop, false);
});
