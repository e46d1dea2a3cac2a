import { Random } from '../../random/index.js';

/**
 * Data handling (splits, shuffles, synthetic samples) draws from its own generator per
 * purpose, seeded explicitly (seeds come from the one derivation, src/random/seeds.ts),
 * so a dataset split never changes because some other consumer drew a number first.
 */

/** Uniform floats in [0, 1) from the project's seeded generator. */
export function createRng(seed: number): () => number {
  const random = Random.fromSeed(Math.trunc(seed));
  return () => random.nextFloat();
}

/** Integer in [0, n). */
export function randomInt(rng: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(rng() * n));
}

/** Standard normal via Box–Muller (one value per call; the twin is dropped for simplicity). */
export function randomNormal(rng: () => number): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace<T>(items: T[] | Int32Array, rng: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}
