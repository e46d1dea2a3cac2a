import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The `none` op's output when a cell node receives nothing else: zeros shaped like its
 * input. tfjs-layers has no Lambda layer, so this is the smallest custom layer that
 * keeps the graph connected (and serialisable: it is registered).
 */
export class ZerosLike extends tfl.layers.Layer {
  static readonly className = 'GraphnasZerosLike';

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.zerosLike(Array.isArray(inputs) ? inputs[0] : inputs));
  }
}

tf.serialization.registerClass(ZerosLike);
