import { test } from 'node:test';
import assert from 'node:assert/strict';
import { softConstraintFactor, violatedHardConstraint, type Constraint } from '../../src/evaluation/constraints.js';

const soft: Constraint = { metric: 'params', target: 1000, mode: 'soft', weight: -0.07 };
const hard: Constraint = { metric: 'latencyMs', target: 5, mode: 'hard', weight: -0.07 };

test('MnasNet soft constraint: a factor (value / target)^w on both sides of the target', () => {
  const cost = { params: 2000, flops: 1, latencyMs: 1 };
  assert.equal(softConstraintFactor([soft], cost), Math.pow(2, -0.07));
  assert.equal(softConstraintFactor([soft], { ...cost, params: 1000 }), 1);
  assert.ok(softConstraintFactor([soft], { ...cost, params: 500 }) > 1, 'smaller than the target is rewarded, as in MnasNet');
  assert.equal(softConstraintFactor([soft, hard], cost), Math.pow(2, -0.07), 'hard constraints are no factor');
});

test('a hard limit is detectable before training; unmeasured values are ignored', () => {
  const cost = { params: 10, flops: 1, latencyMs: 6 };
  assert.equal(violatedHardConstraint([soft, hard], cost), hard);
  assert.equal(violatedHardConstraint([soft, hard], { ...cost, latencyMs: 4 }), undefined);
  assert.equal(violatedHardConstraint([hard], { ...cost, latencyMs: undefined }), undefined);
  assert.equal(violatedHardConstraint([hard], { ...cost, latencyMs: null }), undefined);
});
