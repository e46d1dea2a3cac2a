import { DatasetError, type RawDataset, type Split } from './dataset.js';

/** Input rows (or columns) under one output row: its index and the covered length in input pixels. */
type Coverage = readonly { readonly index: number; readonly overlap: number }[];

/**
 * Area resampling of one axis from `n` to `m ≤ n` pixels: output pixel o covers the input
 * interval [o·n/m, (o+1)·n/m), each input pixel weighted by how much of it lies inside. An
 * integer factor gives whole pixels (overlap 1), i.e. plain average pooling; other sizes
 * (28→21) share the border pixels between neighbours. Exact rational arithmetic in units of
 * 1/m keeps the integer case bit-identical to pooling.
 */
function axisCoverage(n: number, m: number): Coverage[] {
  return Array.from({ length: m }, (_, o) => {
    const from = o * n; // in units of 1/m input pixels
    const to = (o + 1) * n;
    const cover: { index: number; overlap: number }[] = [];
    for (let i = Math.floor(from / m); i * m < to; i++) {
      const overlap = Math.min(to, (i + 1) * m) - Math.max(from, i * m);
      if (overlap > 0) cover.push({ index: i, overlap: overlap / m });
    }
    return cover;
  });
}

/**
 * Gathers the samples at `indices`, scales them to [0, 1] (raw / scale) and area-resamples
 * them to `outHeight`×`outWidth` (at most the source size; 28→14 is 2×2 average pooling),
 * one sample at a time so the full-resolution float copy of the dataset never exists.
 */
export function gatherResized(data: RawDataset, indices: Int32Array, outHeight: number, outWidth: number): Split {
  const { height: h, width: w, channels: c } = data;
  for (const [size, source, axis] of [[outHeight, h, 'height'], [outWidth, w, 'width']] as const) {
    if (!Number.isInteger(size) || size < 1 || size > source) {
      throw new DatasetError('resolution', `target ${axis} ${size} must be an integer from 1 to the source ${axis} ${source}`);
    }
  }
  const rows = axisCoverage(h, outHeight);
  const cols = axisCoverage(w, outWidth);
  const inSize = h * w * c;
  const outSize = outHeight * outWidth * c;
  const x = new Float32Array(indices.length * outSize);
  const y = new Int32Array(indices.length);
  const norm = (outHeight * outWidth) / (data.scale * h * w);
  indices.forEach((src, n) => {
    y[n] = data.y[src];
    const base = src * inSize;
    let o = n * outSize;
    for (const row of rows) {
      for (const col of cols) {
        for (const r of row) {
          for (const q of col) {
            const weight = r.overlap * q.overlap * norm;
            const s = base + (r.index * w + q.index) * c;
            for (let k = 0; k < c; k++) x[o + k] += data.x[s + k] * weight;
          }
        }
        o += c;
      }
    }
  });
  return { x, y, count: indices.length };
}

/**
 * One sample, HWC, area-resampled to `outHeight`×`outWidth` of any size, up or down: the
 * same weights as gatherResized (which allows only shrinking, as training only shrinks),
 * so a predictor resampling a raw image to the training resolution computes what training
 * did. Enlarging spreads each input pixel over the outputs it covers. Values keep their units.
 */
export function resampleArea(pixels: ArrayLike<number>, height: number, width: number, channels: number, outHeight: number, outWidth: number): Float32Array {
  for (const [size, axis] of [[height, 'height'], [width, 'width'], [outHeight, 'target height'], [outWidth, 'target width']] as const) {
    if (!Number.isInteger(size) || size < 1) throw new DatasetError('resolution', `${axis} ${size} must be a positive integer`);
  }
  if (pixels.length !== height * width * channels) throw new DatasetError('resolution', `${pixels.length} values are not ${height}×${width}×${channels}`);
  const rows = axisCoverage(height, outHeight);
  const cols = axisCoverage(width, outWidth);
  const out = new Float32Array(outHeight * outWidth * channels);
  const norm = (outHeight * outWidth) / (height * width);
  let o = 0;
  for (const row of rows) {
    for (const col of cols) {
      for (const r of row) {
        for (const q of col) {
          const weight = r.overlap * q.overlap * norm;
          const s = (r.index * width + q.index) * channels;
          for (let k = 0; k < channels; k++) out[o + k] += pixels[s + k] * weight;
        }
      }
      o += channels;
    }
  }
  return out;
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
