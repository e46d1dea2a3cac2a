import { DatasetError, type RawDataset, type Split } from './dataset.js';

/**
 * Gathers the samples at `indices`, scales them to [0, 1] (raw / scale) and average-pools
 * them by `factor` in both spatial dims (28→14 is factor 2), one sample at a time so the
 * full-resolution float copy of the dataset never exists.
 */
export function gatherResized(data: RawDataset, indices: Int32Array, factor: number): Split {
  const { height: h, width: w, channels: c } = data;
  if (!Number.isInteger(factor) || factor < 1 || h % factor !== 0 || w % factor !== 0) {
    throw new DatasetError('resolution', `downsampling factor ${factor} must be a positive integer dividing ${h}×${w}`);
  }
  const oh = h / factor;
  const ow = w / factor;
  const inSize = h * w * c;
  const outSize = oh * ow * c;
  const x = new Float32Array(indices.length * outSize);
  const y = new Int32Array(indices.length);
  const norm = 1 / (data.scale * factor * factor);
  indices.forEach((src, n) => {
    y[n] = data.y[src];
    const base = src * inSize;
    const out = n * outSize;
    for (let i = 0; i < h; i++) {
      const oi = Math.floor(i / factor);
      for (let j = 0; j < w; j++) {
        const o = out + (oi * ow + Math.floor(j / factor)) * c;
        const s = base + (i * w + j) * c;
        for (let k = 0; k < c; k++) x[o + k] += data.x[s + k] * norm;
      }
    }
  });
  return { x, y, count: indices.length };
}

export interface ChannelStats {
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

export function channelStats(split: Split, channels: number): ChannelStats {
  const mean = new Float64Array(channels);
  const sq = new Float64Array(channels);
  const n = split.x.length / channels;
  for (let i = 0; i < split.x.length; i++) {
    const v = split.x[i];
    mean[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const m = new Float32Array(channels);
  const s = new Float32Array(channels);
  for (let k = 0; k < channels; k++) {
    m[k] = mean[k] / n;
    // A constant channel would divide by zero; leave it centred but unscaled.
    s[k] = Math.sqrt(Math.max(sq[k] / n - m[k] * m[k], 0)) || 1;
  }
  return { mean: m, std: s };
}

/** Standardises in place with statistics from the training split (never validation's). */
export function standardize(split: Split, stats: ChannelStats): void {
  const c = stats.mean.length;
  for (let i = 0; i < split.x.length; i++) split.x[i] = (split.x[i] - stats.mean[i % c]) / stats.std[i % c];
}
