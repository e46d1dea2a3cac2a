/**
 * The one seed derivation. Every random choice of an experiment draws from a stream whose
 * seed is derived from the experiment's seed by purpose, so that no consumer's draws
 * shift another's, and the same experiment seed gives the same trials:
 *
 * ```
 * experiment seed
 * ├── strategy            the strategy's generator (proposals, its own initial weights)
 * ├── data                the train/validation split and subsets: one for the whole
 * │                       experiment, so every trial is scored on the same images
 * ├── trial/<sequence>    a trial's seed (also handed to external workers)
 * │   ├── init            weight initialisation
 * │   ├── dropout         dropout masks
 * │   └── shuffle         the order of training batches
 * └── final/<replicate>   a finalist's retraining seed (the same streams below it): one
 *                         per replicate index, shared by all finalists, so finalists are
 *                         compared on the same seeds
 * ```
 *
 * Derived seeds are 52-bit integers (safe, and far from colliding over an experiment's
 * trials), mixed with MurmurHash3's finaliser over two independent lanes.
 */

const TWO_POW_32 = 0x1_0000_0000;

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

class Lanes {
  private a = 0x243f6a88;
  private b = 0x85a308d3;

  absorb(word: number): void {
    this.a = fmix32((this.a ^ word) + 0x9e3779b9);
    this.b = fmix32(Math.imul(this.b ^ word, 0x27d4eb2d) + 0x165667b1);
  }

  absorbNumber(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`seeds and seed labels must be safe integers, got ${value}`);
    // Sign, then both halves, so that -1, 2^32 - 1 and 2^32 differ.
    this.absorb(value < 0 ? 1 : 0);
    const magnitude = Math.abs(value);
    this.absorb(magnitude >>> 0);
    this.absorb(Math.floor(magnitude / TWO_POW_32) >>> 0);
  }

  absorbString(value: string): void {
    this.absorb(value.length);
    for (let i = 0; i < value.length; i++) this.absorb(value.charCodeAt(i));
  }

  seed(): number {
    return (this.a & 0xfffff) * TWO_POW_32 + this.b;
  }
}

/** The seed for `path` (e.g. `'trial', 7, 'init'`) under `seed`; stable across runs and builds. */
export function deriveSeed(seed: number, ...path: readonly (string | number)[]): number {
  const lanes = new Lanes();
  lanes.absorbNumber(seed);
  for (const part of path) {
    // A type tag keeps `'7'` and `7` apart.
    if (typeof part === 'number') {
      lanes.absorb(0x6e756d);
      lanes.absorbNumber(part);
    } else {
      lanes.absorb(0x737472);
      lanes.absorbString(part);
    }
  }
  return lanes.seed();
}

/** The experiment-level streams. */
export interface ExperimentSeeds {
  readonly strategy: number;
  readonly data: number;
  trial(sequence: number): number;
  final(replicate: number): number;
}

export function experimentSeeds(experimentSeed: number): ExperimentSeeds {
  return {
    strategy: deriveSeed(experimentSeed, 'strategy'),
    data: deriveSeed(experimentSeed, 'data'),
    trial: (sequence) => deriveSeed(experimentSeed, 'trial', sequence),
    final: (replicate) => deriveSeed(experimentSeed, 'final', replicate),
  };
}

/** The streams of one trial's training, each from the trial's seed. */
export interface TrialStreams {
  readonly init: number;
  readonly dropout: number;
  readonly shuffle: number;
}

export function trialStreams(trialSeed: number): TrialStreams {
  return {
    init: deriveSeed(trialSeed, 'init'),
    dropout: deriveSeed(trialSeed, 'dropout'),
    shuffle: deriveSeed(trialSeed, 'shuffle'),
  };
}
