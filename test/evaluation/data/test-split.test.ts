import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PreparationInfo, PreparedData, Split } from '../../../src/evaluation/data/dataset.js';
import { encodeIdx } from '../../../src/evaluation/data/idx.js';
import { clearDatasetCache, loadRawCached, prepareData, rawTestInputs, type PrepareOptions } from '../../../src/evaluation/data/prepare.js';
import { missingDataset, type DatasetSource } from '../../../src/evaluation/data/source.js';
import { stratifiedSplit } from '../../../src/evaluation/data/split.js';
import { holdOutTest, testSplitReason } from '../../../src/evaluation/data/test-split.js';
import { resampleArea, gatherResized } from '../../../src/evaluation/data/transform.js';
import { parseTfjsTrainerConfig } from '../../../src/evaluation/trainer/config.js';
import { EvaluatorConfigError } from '../../../src/evaluation/trainer/errors.js';

function digest(...splits: Split[]): string {
  const h = createHash('sha256');
  for (const s of splits) {
    h.update(Buffer.from(s.x.buffer, s.x.byteOffset, s.x.byteLength));
    h.update(Buffer.from(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}

function infoOf(d: PreparedData): PreparationInfo {
  assert.ok(d.info, 'prepareData records its preprocessing');
  return d.info;
}

test('a dataset without testFraction prepares bit for bit as before test splits existed', () => {
  // Digests of train and validation computed with the code before this change (commit d88e3b5):
  // committed bench results were measured on exactly these splits.
  const golden: [PrepareOptions, string][] = [
    [{ dataset: { source: 'synthetic' }, validationFraction: 0.1, splitSeed: 0 }, 'a21ff2928bd5af4747481dcd49ad6165276e373e789ceddc1467a5313e924933'],
    [
      { dataset: { source: 'synthetic', count: 600, height: 10, width: 8, channels: 3, numClasses: 5 }, validationFraction: 0.25, splitSeed: 12345, trainSubset: 300, valSubset: 100, resolution: 7 },
      'e1d68839c2fa15a3e940723098878f217048af07050a13e4f12c6082f13a5b1b',
    ],
  ];
  for (const [options, expected] of golden) {
    clearDatasetCache();
    const d = prepareData(options);
    assert.equal(digest(d.train, d.validation), expected, JSON.stringify(options));
    assert.equal(d.test, undefined, 'no test split unless asked for');
  }
});

test('the hold-out is stratified, disjoint from train and validation, and the same whatever the experiment seed', () => {
  const dataset = { source: 'synthetic' as const, count: 500, numClasses: 5, testFraction: 0.2 };
  const raw = loadRawCached(dataset);
  const { rest, test: held } = holdOutTest(raw.y, 0.2);
  assert.equal(rest.length + held.length, raw.count);
  const perClass = (idx: Int32Array): number[] => Array.from({ length: 5 }, (_, c) => [...idx].filter((i) => raw.y[i] === c).length);
  perClass(held).forEach((n, c) => assert.ok(Math.abs(n - 0.2 * perClass(Int32Array.from(raw.y.keys()))[c]) <= 1, `class ${c}: ${n}`));
  const heldSet = new Set(held);
  for (const seed of [0, 1, 987654]) {
    const split = stratifiedSplit(raw.y, 0.25, seed, rest);
    for (const i of [...split.train, ...split.validation]) assert.ok(!heldSet.has(i), `seed ${seed}: sample ${i} is in the test split and in train/validation`);
    assert.equal(split.train.length + split.validation.length, rest.length);
    const prepared = prepareData({ dataset, validationFraction: 0.25, splitSeed: seed, test: true });
    assert.equal(prepared.train.count + prepared.validation.count, rest.length);
    assert.equal(prepared.test?.count, held.length);
    // The test split is the held-out samples, standardised with this preparation's training statistics.
    const expected = gatherResized(raw, held, raw.height, raw.width);
    const { mean, std } = infoOf(prepared);
    const x = prepared.test?.x as Float32Array;
    for (let k = 0; k < x.length; k += 37) assert.ok(Math.abs(x[k] - (expected.x[k] - mean[0]) / std[0]) < 1e-5);
    assert.deepEqual([...(prepared.test?.y ?? [])], [...expected.y]);
  }
  // Train and validation still follow the experiment's seed.
  assert.notEqual(digest(prepareData({ dataset, validationFraction: 0.25, splitSeed: 0 }).validation), digest(prepareData({ dataset, validationFraction: 0.25, splitSeed: 1 }).validation));
});

test('the test split takes the training resolution and statistics; its raw inputs are what an exported model reads', () => {
  const dataset = { source: 'synthetic' as const, count: 300, height: 12, width: 12, testFraction: 0.25 };
  const opts = { dataset, validationFraction: 0.2, splitSeed: 3, resolution: 6, trainSubset: 100, test: true };
  const d = prepareData(opts);
  assert.deepEqual(d.inputShape, [6, 6, 1]);
  const raw = rawTestInputs(opts);
  assert.deepEqual(raw.inputShape, [6, 6, 1]);
  assert.equal(raw.count, d.test?.count);
  const { mean, std, scale } = infoOf(d);
  raw.x.forEach((v, k) => assert.ok(Math.abs((v / scale - mean[0]) / std[0] - (d.test as Split).x[k]) < 1e-4));
});

test('a source without a test split says so, and how to get one', () => {
  assert.equal(testSplitReason({ source: 'fashion-mnist' }), null);
  assert.equal(testSplitReason({ source: 'synthetic', testFraction: 0.2 }), null);
  assert.match(testSplitReason({ source: 'synthetic' }) ?? '', /synthetic dataset has no test split: search again with dataset.testFraction/);
  assert.match(testSplitReason({ source: 'csv', path: 'a.csv' }) ?? '', /dataset.testPath/);
  assert.match(testSplitReason({ source: 'idx', images: 'i', labels: 'l' }) ?? '', /dataset.testImages and dataset.testLabels/);
  assert.throws(() => prepareData({ dataset: { source: 'synthetic', count: 100 }, validationFraction: 0.2, splitSeed: 0, test: true }), /test split: the synthetic dataset has no test split/);
});

test('config validation of test-split options names each field', () => {
  const issues = (dataset: unknown): string[] => {
    try {
      parseTfjsTrainerConfig({ dataset });
      return [];
    } catch (error) {
      assert.ok(error instanceof EvaluatorConfigError);
      return error.issues.map((i) => `${i.path}: ${i.message}`);
    }
  };
  assert.deepEqual(issues({ source: 'synthetic', testFraction: 0.2 }), []);
  assert.deepEqual(issues({ source: 'synthetic', testFraction: 1 }), ['dataset.testFraction: must be a number in (0, 1), got 1']);
  assert.deepEqual(issues({ source: 'synthetic', testFraction: '0.2' }), ['dataset.testFraction: must be a number in (0, 1), got "0.2"']);
  assert.match(issues({ source: 'fashion-mnist', testFraction: 0.1 })[0], /dataset.testFraction: the test split is already the t10k files/);
  assert.match(issues({ source: 'csv', path: 'a.csv', testPath: 'b.csv', testFraction: 0.1 })[0], /already testPath/);
  assert.deepEqual(issues({ source: 'csv', path: 'a.csv', testPath: 3 }), ['dataset.testPath: must be a non-empty string (a file path)']);
  assert.deepEqual(issues({ source: 'idx', images: 'i', labels: 'l', testImages: 'ti' }), ["dataset.testLabels: testImages and testLabels come together (the test split's IDX pair)"]);
});

test('test files: a CSV maps its labels to the training file\'s classes, an IDX pair must match the training shape, missing files are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graphnas-test-split-'));
  try {
    const rows = (n: number, labels: string[]): string => ['a,b,kind', ...Array.from({ length: n }, (_, i) => `${i},${i * 2},${labels[i % labels.length]}`)].join('\n');
    writeFileSync(join(dir, 'train.csv'), rows(40, ['dog', 'cat', 'emu']));
    writeFileSync(join(dir, 'test.csv'), rows(6, ['emu', 'dog']));
    writeFileSync(join(dir, 'bad.csv'), rows(4, ['dog', 'yak']));
    const csv = { source: 'csv' as const, path: join(dir, 'train.csv'), testPath: join(dir, 'test.csv'), labelColumn: 'kind' };
    const d = prepareData({ dataset: csv, validationFraction: 0.25, splitSeed: 0, test: true });
    assert.deepEqual(d.info?.classNames, ['cat', 'dog', 'emu']);
    assert.deepEqual(d.info?.featureNames, ['a', 'b']);
    assert.deepEqual([...(d.test?.y ?? [])], [2, 1, 2, 1, 2, 1], 'emu = 2, dog = 1 as in the training file, though the test file has no cat');
    assert.throws(() => prepareData({ dataset: { ...csv, testPath: join(dir, 'bad.csv') }, validationFraction: 0.25, splitSeed: 0, test: true }), /bad\.csv: line 3: label "yak" is not a class of the training file \(cat, dog, emu\)/);

    const images = (n: number, h: number): Uint8Array => encodeIdx([n, h, h], Uint8Array.from({ length: n * h * h }, (_, i) => i % 251));
    const labels = (n: number): Uint8Array => encodeIdx([n], Uint8Array.from({ length: n }, (_, i) => i % 3));
    writeFileSync(join(dir, 'train-images'), images(30, 4));
    writeFileSync(join(dir, 'train-labels'), labels(30));
    writeFileSync(join(dir, 'test-images'), images(5, 5));
    writeFileSync(join(dir, 'test-labels'), labels(5));
    const idx: DatasetSource = { source: 'idx', images: join(dir, 'train-images'), labels: join(dir, 'train-labels'), testImages: join(dir, 'test-images'), testLabels: join(dir, 'test-labels') };
    assert.throws(() => prepareData({ dataset: idx, validationFraction: 0.2, splitSeed: 0, test: true }), /test-images: test samples are 5×5×1, the training samples 4×4×1/);
    assert.equal(missingDataset(idx), null);
    assert.match(missingDataset({ ...csv, testPath: join(dir, 'gone.csv') }) ?? '', /gone\.csv not found on this machine/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resampleArea matches training\'s area resampling when shrinking and also enlarges', () => {
  const raw = { x: Float32Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256), y: Int32Array.from([0]), count: 1, height: 28, width: 28, channels: 1, numClasses: 2, scale: 1 };
  const viaTraining = gatherResized(raw, Int32Array.from([0]), 20, 20).x;
  const viaPredict = resampleArea(raw.x, 28, 28, 1, 20, 20);
  viaPredict.forEach((v, i) => assert.ok(Math.abs(v - viaTraining[i]) < 1e-4));
  assert.deepEqual([...resampleArea([1, 2, 3, 4], 2, 2, 1, 4, 4)], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
});
