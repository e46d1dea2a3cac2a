import type { RawDataset } from './dataset.js';
import { createRng, randomInt, randomNormal } from './prng.js';

export interface SyntheticOptions {
  readonly count?: number;
  readonly height?: number;
  readonly width?: number;
  readonly channels?: number;
  readonly numClasses?: number;
  /** Standard deviation of the per-pixel noise relative to the pattern's amplitude 1. */
  readonly noise?: number;
  readonly seed?: number;
}

export const SYNTHETIC_DEFAULTS = { count: 1200, height: 12, width: 12, channels: 1, numClasses: 4, noise: 1.5, seed: 7 } as const;

/**
 * Each class is a fixed sum of a few Gaussian blobs; a sample is its class pattern,
 * shifted by up to one pixel, plus Gaussian noise. A small CNN separates the classes in a
 * few epochs while a wrong model does not, which is what fast tests need.
 */
export function generateSynthetic(options: SyntheticOptions = {}): RawDataset {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  const rng = createRng(o.seed);
  const { height: h, width: w, channels: c } = o;
  const patterns: Float32Array[] = [];
  for (let k = 0; k < o.numClasses; k++) {
    const p = new Float32Array(h * w * c);
    for (let b = 0; b < 3; b++) {
      const cy = rng() * h;
      const cx = rng() * w;
      const sigma = 0.8 + rng() * Math.max(1, Math.min(h, w) / 6);
      const ch = randomInt(rng, c);
      const sign = b === 0 ? 1 : rng() < 0.5 ? -1 : 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const d2 = (y - cy) ** 2 + (x - cx) ** 2;
          p[(y * w + x) * c + ch] += sign * Math.exp(-d2 / (2 * sigma * sigma));
        }
      }
    }
    patterns.push(p);
  }
  const size = h * w * c;
  const xs = new Float32Array(o.count * size);
  const ys = new Int32Array(o.count);
  for (let i = 0; i < o.count; i++) {
    // Uniformly random classes (not i % K) so no split can exploit the order.
    const label = (i + randomInt(rng, o.numClasses)) % o.numClasses;
    ys[i] = label;
    const dy = randomInt(rng, 3) - 1;
    const dx = randomInt(rng, 3) - 1;
    const p = patterns[label];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sy = Math.min(h - 1, Math.max(0, y + dy));
        const sx = Math.min(w - 1, Math.max(0, x + dx));
        for (let ch = 0; ch < c; ch++) {
          xs[i * size + (y * w + x) * c + ch] = p[(sy * w + sx) * c + ch] + o.noise * randomNormal(rng);
        }
      }
    }
  }
  return { x: xs, y: ys, count: o.count, height: h, width: w, channels: c, numClasses: o.numClasses, scale: 1 };
}
