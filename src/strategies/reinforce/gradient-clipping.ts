/**
 * Global-norm gradient clipping (Pascanu et al. 2013): one outlier reward early in a
 * search must not throw the controller into a saturated corner it never leaves.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Scales all gradients by min(1, maxNorm / ‖g‖₂) jointly; returns the scaled gradients and the norm before clipping. */
export function clipByGlobalNorm(gradients: readonly tf.Tensor[], maxNorm: number): { clipped: tf.Tensor[]; norm: tf.Scalar } {
  const norm = tf.sqrt(tf.addN(gradients.map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  // maxNorm / max(norm, maxNorm) is min(1, maxNorm / norm) without a data sync, and never divides by zero.
  const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
  return { clipped: gradients.map((g) => tf.mul(g, scale)), norm };
}
