import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { Actions } from '../../src/space/types.js';
import { INACTIVE } from '../../src/space/types.js';
import { Random } from '../../src/random/index.js';
import { LstmPolicy } from '../../src/strategies/reinforce/policy.js';
import { reinforceLoss } from '../../src/strategies/reinforce/loss.js';
import { BACKENDS, decision, useBackend } from './fixtures.js';

/** d2 exists only when d0 took choice 1, so 2·2 + 2·2·3 … = 8 valid sequences. */
const DECISIONS = [decision(0, 2), decision(1, 2), decision(2, 3, [{ decision: 0, oneOf: [1] }])];
const ALL: Actions[] = [];
for (const a of [0, 1]) for (const b of [0, 1]) for (const c of a === 1 ? [0, 1, 2] : [INACTIVE]) ALL.push([a, b, c]);
const REWARD = (x: Actions): number => 1 + x[0]! * 0.5 - x[1]! * 0.3 + (x[2] === 2 ? 0.7 : 0);

function makePolicy(): LstmPolicy {
  // A larger init than the default so the policy is far from uniform and gradients are not tiny.
  return new LstmPolicy(DECISIONS, { hiddenSize: 3, layers: 2, tanhConstant: 2.5, temperature: 2, initRange: 0.8 }, Random.fromSeed(9));
}

function scalar(f: () => tf.Scalar): number {
  return tf.tidy(() => f().dataSync()[0]!);
}

/** Central differences over every element of every variable (float32, so a coarse step). */
function finiteDifferences(policy: LstmPolicy, f: () => number, eps = 1e-2): Float64Array[] {
  return policy.variables.map((variable) => {
    const base = variable.dataSync().slice() as Float32Array;
    const out = new Float64Array(base.length);
    for (let i = 0; i < base.length; i++) {
      const probe = (delta: number): number => {
        const shifted = base.slice();
        shifted[i]! += delta;
        tf.tidy(() => variable.assign(tf.tensor(shifted, variable.shape)));
        return f();
      };
      out[i] = (probe(eps) - probe(-eps)) / (2 * eps);
    }
    tf.tidy(() => variable.assign(tf.tensor(base, variable.shape)));
    return out;
  });
}

function autodiff(policy: LstmPolicy, loss: () => tf.Scalar): Float32Array[] {
  return tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, policy.variables);
    return policy.variables.map((v) => grads[v.name]!.dataSync() as Float32Array);
  });
}

function assertClose(actual: ArrayLike<number>[], expected: ArrayLike<number>[], what: string): void {
  let checked = 0;
  actual.forEach((a, v) => {
    for (let i = 0; i < a.length; i++) {
      const e = expected[v]![i]!;
      assert.ok(Math.abs(a[i]! - e) <= 2e-3 + 2e-2 * Math.abs(e), `${what}: variable ${v}[${i}] ${a[i]} vs ${e}`);
      if (Math.abs(e) > 1e-3) checked++;
    }
  });
  assert.ok(checked > 20, `${what}: only ${checked} non-trivial gradient entries`);
}

for (const backend of BACKENDS) {
  describe(`policy gradient on ${backend}`, () => {
    before(() => useBackend(backend));

    it('assigns probabilities that sum to 1 over the valid sequences (inactive decisions excluded)', () => {
      const policy = makePolicy();
      const total = tf.tidy(() => tf.sum(tf.exp(policy.score(ALL).logProb)).dataSync()[0]!);
      assert.ok(Math.abs(total - 1) < 1e-5, `Σπ = ${total}`);
      const sampled = policy.sample(ALL.map(() => [0.3, 0.6, 0.9]));
      const scored = tf.tidy(() => Array.from(policy.score(sampled.map((s) => s.actions)).logProb.dataSync()));
      sampled.forEach((s, i) => assert.ok(Math.abs(s.logProb - scored[i]!) < 1e-5));
      policy.dispose();
    });

    it('autodiff of the REINFORCE loss matches finite differences', () => {
      const policy = makePolicy();
      const batch = [ALL[0]!, ALL[3]!, ALL[5]!, ALL[7]!];
      const advantages = [0.7, -1.2, 0.4, 1.5];
      const loss = (): tf.Scalar => reinforceLoss(policy.score(batch), advantages, 0.3);
      assertClose(autodiff(policy, loss), finiteDifferences(policy, () => scalar(loss)), 'loss gradient');
      policy.dispose();
    });

    it('the REINFORCE estimator over all sequences, weighted by π, is the exact gradient of the expected reward', () => {
      const policy = makePolicy();
      const expectedReward = (): number => tf.tidy(() => {
        const p = tf.exp(policy.score(ALL).logProb).dataSync();
        return ALL.reduce((sum, a, i) => sum + p[i]! * REWARD(a), 0);
      });
      // With advantages N·π(a)·R(a) (π held constant) the batch-mean loss is −Σ π(a) R(a) log π(a): its gradient is −∇J.
      const probabilities = tf.tidy(() => Array.from(tf.exp(policy.score(ALL).logProb).dataSync()));
      const advantages = ALL.map((a, i) => ALL.length * probabilities[i]! * REWARD(a));
      const negated = autodiff(policy, () => reinforceLoss(policy.score(ALL), advantages, 0)).map((g) => g.map((x) => -x));
      assertClose(negated, finiteDifferences(policy, expectedReward), 'policy gradient');
      policy.dispose();
    });
  });
}
