import * as tfl from '@tensorflow/tfjs-layers';
import { trialStreams } from '../../random/index.js';
import { createRng } from '../data/prng.js';

/**
 * Hands out per-layer initializer and dropout seeds from the trial seed's `init` and
 * `dropout` streams, so the same trial seed rebuilds the same network (tfjs otherwise
 * draws from Math.random).
 */
export class SeededInit {
  private readonly rng: () => number;
  private readonly dropoutRng: () => number;

  constructor(trialSeed: number) {
    const streams = trialStreams(trialSeed);
    this.rng = createRng(streams.init);
    this.dropoutRng = createRng(streams.dropout);
  }

  /** The base seed of one dropout layer; each call of the layer draws its masks from base + call. */
  dropoutSeed(): number {
    return Math.floor(this.dropoutRng() * 2 ** 31);
  }

  nextSeed(): number {
    return Math.floor(this.rng() * 2 ** 31);
  }

  /** He-normal suits the ReLU family that dominates child networks; Glorot for saturating activations. */
  kernel(activation: string = 'relu'): ReturnType<typeof tfl.initializers.heNormal> {
    const seed = this.nextSeed();
    return activation === 'tanh' || activation === 'sigmoid' || activation === 'linear'
      ? tfl.initializers.glorotUniform({ seed })
      : tfl.initializers.heNormal({ seed });
  }
}
