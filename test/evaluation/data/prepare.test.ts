import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RawDataset } from '../../../src/evaluation/data/dataset.js';
import { clearDatasetCache, datasetCacheSize, prepareData } from '../../../src/evaluation/data/prepare.js';
import { channelStats, gatherResized, standardize } from '../../../src/evaluation/data/transform.js';

test('average-pool downsampling by an integer factor, scaled to [0, 1]', () => {
  // One 4×4 single-channel image 0..15 as bytes, two channels interleaved in a second case.
  const raw: RawDataset = { x: Uint8Array.from({ length: 16 }, (_, i) => i * 10), y: Int32Array.from([1]), count: 1, height: 4, width: 4, channels: 1, numClasses: 2, scale: 255 };
  const s = gatherResized(raw, Int32Array.from([0]), 2);
  const expect = [(0 + 10 + 40 + 50) / 4, (20 + 30 + 60 + 70) / 4, (80 + 90 + 120 + 130) / 4, (100 + 110 + 140 + 150) / 4].map((v) => v / 255);
  [...s.x].forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-6));
  assert.deepEqual([...s.y], [1]);
  const rgb: RawDataset = { ...raw, x: Float32Array.from({ length: 8 }, (_, i) => i), height: 2, width: 2, channels: 2, scale: 1 };
  assert.deepEqual([...gatherResized(rgb, Int32Array.from([0]), 2).x], [3, 4]);
  assert.throws(() => gatherResized(raw, Int32Array.from([0]), 3), /must be a positive integer dividing 4×4/);
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
  assert.throws(() => prepareData({ ...opts, resolution: 5 }), /positive divisor of the source height 12/);
  clearDatasetCache();
});
