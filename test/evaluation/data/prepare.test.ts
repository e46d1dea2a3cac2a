import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawDataset } from '../../../src/evaluation/data/dataset.js';
import { clearDatasetCache, datasetCacheSize, prepareData } from '../../../src/evaluation/data/prepare.js';
import { channelStats, gatherResized, standardize } from '../../../src/evaluation/data/transform.js';

test('average-pool downsampling by an integer factor, scaled to [0, 1]', () => {
  // One 4×4 single-channel image 0..15 as bytes, two channels interleaved in a second case.
  const raw: RawDataset = { x: Uint8Array.from({ length: 16 }, (_, i) => i * 10), y: Int32Array.from([1]), count: 1, height: 4, width: 4, channels: 1, numClasses: 2, scale: 255 };
  const s = gatherResized(raw, Int32Array.from([0]), 2, 2);
  const expect = [(0 + 10 + 40 + 50) / 4, (20 + 30 + 60 + 70) / 4, (80 + 90 + 120 + 130) / 4, (100 + 110 + 140 + 150) / 4].map((v) => v / 255);
  [...s.x].forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-6));
  assert.deepEqual([...s.y], [1]);
  const rgb: RawDataset = { ...raw, x: Float32Array.from({ length: 8 }, (_, i) => i), height: 2, width: 2, channels: 2, scale: 1 };
  assert.deepEqual([...gatherResized(rgb, Int32Array.from([0]), 1, 1).x], [3, 4]);
  assert.throws(() => gatherResized(raw, Int32Array.from([0]), 5, 4), /target height 5 must be an integer from 1 to the source height 4/);
  assert.throws(() => gatherResized(raw, Int32Array.from([0]), 2, 0), /target width 0/);
});

test('area resampling to a size that does not divide the source shares the border pixels', () => {
  // 3×3 → 2×2: each output pixel covers 1.5×1.5 input pixels, so the centre pixel counts a
  // quarter towards each output and the edge-middle pixels half towards two.
  const raw: RawDataset = { x: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), y: Int32Array.from([0]), count: 1, height: 3, width: 3, channels: 1, numClasses: 2, scale: 1 };
  const s = gatherResized(raw, Int32Array.from([0]), 2, 2);
  const topLeft = (1 * 1 + 2 * 0.5 + 4 * 0.5 + 5 * 0.25) / 2.25;
  const topRight = (3 * 1 + 2 * 0.5 + 6 * 0.5 + 5 * 0.25) / 2.25;
  const bottomLeft = (7 * 1 + 8 * 0.5 + 4 * 0.5 + 5 * 0.25) / 2.25;
  const bottomRight = (9 * 1 + 8 * 0.5 + 6 * 0.5 + 5 * 0.25) / 2.25;
  [...s.x].forEach((v, i) => assert.ok(Math.abs(v - [topLeft, topRight, bottomLeft, bottomRight][i]) < 1e-6, `pixel ${i}: ${v}`));
  // Area resampling keeps the image's mean brightness, here for 28×28 → 21×21 and 28×28 → 10×10.
  const big: RawDataset = { x: Uint8Array.from({ length: 784 }, (_, i) => (i * 37) % 256), y: Int32Array.from([0]), count: 1, height: 28, width: 28, channels: 1, numClasses: 2, scale: 255 };
  const meanOf = (a: Float32Array): number => a.reduce((t, v) => t + v, 0) / a.length;
  const source = [...big.x].reduce((t, v) => t + v, 0) / 784 / 255;
  for (const size of [21, 10]) {
    const r = gatherResized(big, Int32Array.from([0]), size, size);
    assert.equal(r.x.length, size * size);
    assert.ok(Math.abs(meanOf(r.x) - source) < 1e-5, `${size}×${size} mean ${meanOf(r.x)} vs ${source}`);
  }
});

test('standardisation uses the training statistics per channel', () => {
  const train = { x: Float32Array.from([1, 10, 3, 30]), y: Int32Array.from([0, 1]), count: 2 };
  const val = { x: Float32Array.from([2, 20]), y: Int32Array.from([0]), count: 1 };
  const stats = channelStats(train, 2);
  assert.deepEqual([...stats.mean], [2, 20]);
  standardize(train, stats);
  standardize(val, stats);
  assert.deepEqual([...train.x], [-1, -1, 1, 1]);
  assert.deepEqual([...val.x], [0, 0]);
});

test('prepareData: subsets, resolution, and one cache entry per configuration', () => {
  clearDatasetCache();
  const dataset = { source: 'synthetic' as const, count: 400, height: 12, width: 12 };
  const opts = { dataset, validationFraction: 0.25, splitSeed: 1, trainSubset: 100, valSubset: 40, resolution: 6 };
  const a = prepareData(opts);
  assert.deepEqual(a.inputShape, [6, 6, 1]);
  assert.equal(a.train.count, 100);
  assert.equal(a.validation.count, 40);
  assert.equal(a.train.x.length, 100 * 36);
  assert.equal(prepareData({ ...opts }), a, 'same config, same arrays');
  const b = prepareData({ ...opts, trainSubset: 200 });
  assert.notEqual(b, a);
  assert.deepEqual(datasetCacheSize(), { raw: 1, prepared: 2 }, 'the source was generated once');
  assert.deepEqual(prepareData({ ...opts, resolution: 5 }).inputShape, [5, 5, 1], 'a size that does not divide 12');
  assert.throws(() => prepareData({ ...opts, resolution: 13 }), /resolution 13 must be an integer from 1 to the source height 12/);
  clearDatasetCache();
});
