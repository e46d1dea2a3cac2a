import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { finishRule } from '../../src/core/objective/finish-rule.js';
import type { Objective } from '../../src/core/storage/records.js';
import { InvalidInputError } from '../../src/errors/index.js';
import type { Constraint } from '../../src/evaluation/constraints.js';

const maximize = (metric = 'reward'): Objective => ({ metric, direction: 'MAXIMIZE', goal: null });
const soft: Constraint = { metric: 'params', target: 1000, mode: 'soft', weight: -0.07 };
const hard: Constraint = { metric: 'params', target: 1000, mode: 'hard', weight: 0 };
const factor = Math.pow(2, -0.07);

describe('the finish rule', () => {
  test('the objective is the metric it names, or the evaluator\'s own score for `reward`', () => {
    const reported = { reward: 0.7, metrics: { val_accuracy: 0.8, accuracy: 0.7 } };
    assert.equal(finishRule(maximize(), [], reported).reward, 0.7);
    assert.equal(finishRule(maximize('val_accuracy'), [], reported).reward, 0.8);
    assert.equal(finishRule(maximize(), [], { metrics: { reward: 0.6 } }).reward, 0.6, 'a worker reports its reward among the metrics');
  });

  test('soft constraints fold into a named objective too (the in-process path dropped them)', () => {
    const reported = { reward: 0.7, metrics: { val_accuracy: 0.8 }, params: 2000 };
    assert.equal(finishRule(maximize(), [soft], reported).reward, 0.7 * factor);
    assert.equal(finishRule(maximize('val_accuracy'), [soft], reported).reward, 0.8 * factor);
  });

  test('a minimised objective is divided by the factor: a dearer child is worse either way', () => {
    const loss: Objective = { metric: 'val_loss', direction: 'MINIMIZE', goal: null };
    const result = finishRule(loss, [soft], { metrics: { val_loss: 0.5 }, params: 2000 });
    assert.equal(result.reward, 0.5 / factor);
    assert.ok(result.reward > 0.5);
  });

  test('a violated hard constraint scores 0 and says so, whatever was reported', () => {
    const result = finishRule(maximize('val_accuracy'), [hard], { metrics: { epochs: 0 }, params: 5000 });
    assert.equal(result.reward, 0);
    assert.equal(result.finalMetrics.violates_params, 1);
    assert.equal(result.params, 5000);
  });

  test('a result without the objective is refused, never scored from another number', () => {
    assert.throws(
      () => finishRule(maximize('val_accuracy'), [], { reward: 0.9, metrics: { accuracy: 0.9 } }),
      (e: unknown) => e instanceof InvalidInputError && e.issues[0]!.path === 'metrics' && /val_accuracy/.test(e.issues[0]!.message),
    );
    assert.throws(() => finishRule(maximize(), [], { metrics: { accuracy: 0.9 } }), InvalidInputError);
    assert.throws(() => finishRule(maximize(), [], { reward: Number.NaN, metrics: {} }), InvalidInputError);
  });
});
