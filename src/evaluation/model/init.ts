import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '../data/prng.js';

/**
 * Hands out per-layer initializer seeds derived from the trial's seed, so the same trial
 * seed rebuilds the same initial weights (tfjs otherwise draws from Math.random).
 */
export class SeededInit {
  private readonly rng: () => number;

  constructor(seed: number) {
    this.rng = createRng(seed);
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
