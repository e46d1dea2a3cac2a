import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ashaRule, ashaRuleIssues, ashaRungAt, ashaRungStep, type AshaRule } from '../../src/core/early-stopping/asha.js';

const RULE: AshaRule = { type: 'asha', metric: 'val_accuracy', minResource: 1, reductionFactor: 3 };

describe('ASHA rule', () => {
  it('places rungs at r·η^(s+k) steps', () => {
    assert.deepEqual([0, 1, 2, 3].map((k) => ashaRungStep(RULE, k)), [1, 3, 9, 27]);
    const skipped = { ...RULE, minResource: 2, minEarlyStoppingRate: 1 };
    assert.deepEqual([0, 1, 2].map((k) => ashaRungStep(skipped, k)), [6, 18, 54]);
    assert.deepEqual([1, 2, 3, 4, 9, 10].map((s) => ashaRungAt(RULE, s)), [0, null, 1, null, 2, null]);
    assert.equal(ashaRungAt(skipped, 2), null);
  });

  it('acts only at a rung', () => {
    const d = ashaRule(RULE, 'MAXIMIZE', 2, 0.1, [0.9, 0.9, 0.9]);
    assert.deepEqual({ stop: d.stop, rung: d.rung }, { stop: false, rung: null });
  });

  it('lets a trial go on only in the top ⌊n/η⌋ of its rung, its own value included', () => {
    const others = [0.5, 0.6, 0.7, 0.8, 0.9]; // with the trial n = 6, so the top 2 go on: ≥ 0.8
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 3, 0.85, others).stop, false);
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 3, 0.8, others).stop, false, 'a tie with the threshold goes on');
    const stopped = ashaRule(RULE, 'MAXIMIZE', 3, 0.75, others);
    assert.equal(stopped.stop, true);
    assert.equal(stopped.rung, 1);
    assert.match(stopped.reason, /rung 1 \(step 3\): val_accuracy 0\.7500 is not in the top 2 of 6 trials/);
  });

  it('mirrors for a metric to minimise', () => {
    const losses = [0.5, 0.6, 0.7, 0.8, 0.9];
    assert.equal(ashaRule({ ...RULE, metric: 'val_loss' }, 'MINIMIZE', 1, 0.55, losses).stop, false);
    assert.equal(ashaRule({ ...RULE, metric: 'val_loss' }, 'MINIMIZE', 1, 0.65, losses).stop, true);
  });

  it('with fewer than η trials at a rung, only the best so far goes on (Optuna’s rule)', () => {
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 1, 0.4, []).stop, false, 'the first trial at a rung goes on');
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 1, 0.4, [0.5]).stop, true);
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 1, 0.6, [0.5]).stop, false);
  });

  it('holds off a rung until minTrials others recorded it', () => {
    const rule = { ...RULE, minTrials: 3 };
    const waiting = ashaRule(rule, 'MAXIMIZE', 1, 0.1, [0.5, 0.6]);
    assert.equal(waiting.stop, false);
    assert.match(waiting.reason, /2 other trials .* needs 3/);
    assert.equal(ashaRule(rule, 'MAXIMIZE', 1, 0.1, [0.5, 0.6, 0.7]).stop, true);
  });

  it('stops a trial whose value is not a number', () => {
    assert.equal(ashaRule(RULE, 'MAXIMIZE', 1, Number.NaN, []).stop, true);
  });

  it('keeps about 1/η of the trials per rung when they arrive in random order', () => {
    // 900 trials with independent uniform values reach rung 0 one after another; once many have recorded the rung,
    // a newcomer is in the top third with probability 1/3, so that is the share kept over the last half of arrivals.
    let seed = 7;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const recorded: number[] = [];
    let keptLate = 0;
    for (let i = 0; i < 900; i++) {
      const value = next();
      if (!ashaRule(RULE, 'MAXIMIZE', 1, value, recorded).stop && i >= 450) keptLate++;
      recorded.push(value);
    }
    assert.ok(Math.abs(keptLate / 450 - 1 / 3) < 0.06, `kept ${keptLate} of the last 450`);
  });

  it('reports invalid options by path and refuses to place rungs with them', () => {
    assert.deepEqual(ashaRuleIssues(RULE), []);
    const bad = { type: 'asha', metric: '', minResource: 0, reductionFactor: 1.5, minTrials: -1 } as const;
    assert.deepEqual(
      ashaRuleIssues(bad).map((i) => i.path),
      ['metric', 'minResource', 'reductionFactor', 'minTrials'],
    );
    assert.throws(() => ashaRungAt(bad, 3), RangeError);
  });
});
