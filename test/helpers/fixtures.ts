import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package root, from dist/test/helpers. */
export const ROOT = join(__dirname, '..', '..', '..');
/** The CLI compiled beside these tests (dist/src/cli.js, or the output directory they were built into). */
export const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

export function example(name: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'examples', name), 'utf8'));
}

export const NB201_SPACE = (): unknown => example('nb201-cell.json');

/** A small layers space for real tfjs finalists: one or two layers, seconds to train. */
export const FINALIST_SPACE = { layers: { count: [1, 2], types: [{ type: 'conv2d', filters: [4, 8], kernelSize: 3 }, { type: 'dense', units: 16 }] } };

/** A small layers space with pooling, trained on seeded synthetic images: real tfjs training, in seconds. */
export const TRAINING_SPACE = {
  layers: {
    count: [1, 2],
    types: [
      { type: 'conv2d', filters: [4, 8], kernelSize: 3 },
      { type: 'maxPool', poolSize: 2, stride: 2 },
      { type: 'dense', units: 16 },
    ],
  },
};

export interface SyntheticTrainerOptions {
  /** Images generated. @default 400 */
  readonly count?: number;
  /** @default 1 */
  readonly epochs?: number;
  /** Training threads. @default 1 */
  readonly workers?: number;
  /** The held-out test split (finalists test on it); null for none. @default 0.2 */
  readonly testFraction?: number | null;
}

/**
 * The tfjs-trainer's options on seeded synthetic 8×8 images in four classes: trials that
 * train (and finalists that train and test) in seconds on one core. The learning rate
 * gets every child of these spaces past chance within a few dozen steps.
 */
export function syntheticTrainerOptions({ count = 400, epochs = 1, workers = 1, testFraction = 0.2 }: SyntheticTrainerOptions = {}): Record<string, unknown> {
  return {
    dataset: { source: 'synthetic', count, height: 8, width: 8, numClasses: 4, noise: 1, ...(testFraction === null ? {} : { testFraction }) },
    epochs,
    trainSubset: null,
    valSubset: null,
    resolution: null,
    batchSize: 32,
    learningRate: 0.005,
    workers,
    measureLatency: false,
  };
}

/** The tfjs-trainer evaluator with `syntheticTrainerOptions`. */
export function syntheticTrainer(options: SyntheticTrainerOptions = {}): { type: string; options: Record<string, unknown> } {
  return { type: 'tfjs-trainer', options: syntheticTrainerOptions(options) };
}
