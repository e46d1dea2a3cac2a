import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * Dropout whose masks come from the trial's seed. tfjs's own layer either draws from
 * Math.random (no seed) or, given a seed, reuses it on every call, dropping the same units
 * in every batch; this one draws call n's mask from `seed + n`, so a trial trains the same
 * way twice and still sees a new mask per batch. Outside training it is the identity.
 */
export class SeededDropout extends tfl.layers.Layer {
  static readonly className = 'GraphnasSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private calls = 0;

  constructor(args: { rate: number; seed: number; name?: string }) {
    super({ name: args.name });
    this.rate = Math.max(0, Math.min(1, args.rate));
    this.seed = args.seed;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const input = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (kwargs.training !== true || this.rate <= 0 || this.rate >= 1) return input;
    const seed = this.seed + this.calls;
    this.calls += 1;
    return tf.tidy(() => tf.dropout(input, this.rate, undefined, seed));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
