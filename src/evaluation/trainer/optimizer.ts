import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZERS, type OptimizerName, type Schedule } from './config.js';

export function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}

/** `momentum` is SGD with (non-Nesterov) momentum 0.9, the usual NAS child-training setting. */
export function createOptimizer(name: string, learningRate: number): tf.Optimizer {
  if (!isOptimizerName(name)) throw new RangeError(`unknown optimizer ${JSON.stringify(name)} (known: ${OPTIMIZERS.join(', ')})`);
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate);
    case 'adagrad':
      return tf.train.adagrad(learningRate);
    case 'adamax':
      return tf.train.adamax(learningRate);
    case 'adadelta':
      return tf.train.adadelta(learningRate);
  }
}

/**
 * The learning rate before step `step` (0-based) of `total`. `linear` and `cosine` reach
 * zero after the last step: a run that anneals within its own budget ends near the
 * accuracy that budget allows instead of wherever a constant rate leaves the weights
 * bouncing (Li et al., "Budgeted Training", ICLR 2020), which is what makes a short proxy
 * run rank architectures the way a longer run does.
 */
export function scheduledLearningRate(schedule: Schedule, base: number, step: number, total: number): number {
  const t = total > 0 ? Math.min(1, Math.max(0, step / total)) : 0;
  switch (schedule) {
    case 'constant':
      return base;
    case 'linear':
      return base * (1 - t);
    case 'cosine':
      return base * 0.5 * (1 + Math.cos(Math.PI * t));
  }
}

/** Sets the rate every tfjs optimizer reads when it applies gradients. */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // SGD (and momentum, its subclass) caches the rate as a kept scalar that setLearningRate
  // renews. Checked by shape: tfjs's Optimizer classes answer `instanceof` for any optimizer.
  const sgd = optimizer as Partial<Pick<tf.SGDOptimizer, 'setLearningRate'>>;
  if (typeof sgd.setLearningRate === 'function') {
    sgd.setLearningRate(learningRate);
    return;
  }
  // The other optimizers declare the field protected but read it on every applyGradients.
  (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
}
