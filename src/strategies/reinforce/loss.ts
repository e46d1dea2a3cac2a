/**
 * The REINFORCE objective (Williams 1992, as used by Zoph & Le 2017 and ENAS):
 *
 *   loss = −(1/N) Σ_i A_i · Σ_t log π(a_it)  −  β · (1/N) Σ_i H_i
 *
 * with A_i = (R_i − b) (optionally transformed and normalised, see advantage.ts), the
 * inner sums over the decisions that applied to architecture i, and H_i the policy's
 * entropy along architecture i's decisions. Minimising it ascends the expected reward;
 * the entropy bonus delays collapse onto one architecture.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ActionScores } from './policy.js';

export function reinforceLoss(scores: ActionScores, advantages: readonly number[], entropyWeight: number): tf.Scalar {
  return tf.tidy(() => {
    const policyTerm = tf.neg(tf.mean(tf.mul(scores.logProb, tf.tensor1d([...advantages]))));
    return tf.sub(policyTerm, tf.mul(tf.mean(scores.entropy), entropyWeight)) as tf.Scalar;
  });
}

/**
 * Priority-queue training's term (Abolafia et al., "Neural Program Synthesis with Priority
 * Queue Training", 2018): λ · mean over the best architectures found of −log π(x), a
 * maximum-likelihood pull towards them that REINFORCE's high-variance gradient lacks.
 */
export function eliteLoss(eliteLogProb: tf.Tensor1D, weight: number): tf.Scalar {
  return tf.tidy(() => tf.mul(tf.neg(tf.mean(eliteLogProb)), weight) as tf.Scalar);
}
