import * as tf from '@tensorflow/tfjs-core';
import { OPTIMIZERS, type OptimizerName } from './config.js';

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
