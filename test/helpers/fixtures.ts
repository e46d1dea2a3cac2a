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

/** The tfjs-trainer on `count` seeded synthetic 8×8 images, a held-out fifth as the test split: finalists that train and test in seconds on one core. */
export function syntheticTrainer(count = 400): { type: string; options: Record<string, unknown> } {
  return {
    type: 'tfjs-trainer',
    options: {
      dataset: { source: 'synthetic', count, height: 8, width: 8, numClasses: 4, noise: 1, testFraction: 0.2 },
      epochs: 1,
      trainSubset: null,
      valSubset: null,
      resolution: null,
      batchSize: 32,
      learningRate: 0.005,
      workers: 1,
      measureLatency: false,
    },
  };
}
