import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Constraint } from '../../../src/evaluation/trainer/config.js';
import { constrainedReward, violatesHardConstraint } from '../../../src/evaluation/trainer/reward.js';

const soft: Constraint = { metric: 'params', target: 1000, mode: 'soft', weight: -0.07 };
const hard: Constraint = { metric: 'latencyMs', target: 5, mode: 'hard', weight: -0.07 };

test('MnasNet soft constraint: acc × (value / target)^w', () => {
  const cost = { params: 2000, flops: 1, latencyMs: 1 };
  assert.equal(constrainedReward(0.9, [soft], cost), 0.9 * Math.pow(2, -0.07));
  assert.equal(constrainedReward(0.9, [soft], { ...cost, params: 1000 }), 0.9);
  assert.ok(constrainedReward(0.9, [soft], { ...cost, params: 500 }) > 0.9, 'smaller than the target is rewarded, as in MnasNet');
});

test('a hard limit zeroes the reward and is detectable before training; unmeasured values are ignored', () => {
  const cost = { params: 10, flops: 1, latencyMs: 6 };
  assert.equal(constrainedReward(0.9, [hard], cost), 0);
  assert.equal(violatesHardConstraint([soft, hard], cost), hard);
  assert.equal(violatesHardConstraint([soft, hard], { ...cost, latencyMs: 4 }), undefined);
  assert.equal(constrainedReward(0.9, [hard], { ...cost, latencyMs: undefined }), 0.9);
});
