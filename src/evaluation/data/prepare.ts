import { DatasetError, type PreparedData, type RawDataset, type Split } from './dataset.js';
import { loadSource, type DatasetSource } from './source.js';
import { stratifiedSplit, takeSubset } from './split.js';
import { describeTestSplit, holdOutTest, loadTestSource, testFractionOf, testSplitReason } from './test-split.js';
import { channelStats, gatherResized, standardize } from './transform.js';

export interface PrepareOptions {
  readonly dataset: DatasetSource;
  /** Fraction of the source held out for validation (stratified). */
  readonly validationFraction: number;
  /** Seed of the split and of the subset order; fixed per experiment so trials compare on the same data. */
  readonly splitSeed: number;
  readonly trainSubset?: number;
  readonly valSubset?: number;
  /** Target height (width scaled alike), area-resampled; at most the source's. Absent: native. */
  readonly resolution?: number;
  /** Prepare the held-out test split too (a finalist's run); never for a search trial. */
  readonly test?: boolean;
}

/**
 * Process-wide caches (one per worker thread): the raw source is loaded once and every
 * distinct preparation once, so consecutive trials with the same proxy settings reuse
 * the same arrays instead of re-reading 30 MB of gzip.
 */
const rawCache = new Map<string, RawDataset>();
const testCache = new Map<string, RawDataset | null>();
const preparedCache = new Map<string, PreparedData>();

export function loadRawCached(source: DatasetSource): RawDataset {
  const key = JSON.stringify(source);
  let raw = rawCache.get(key);
  if (!raw) {
    raw = loadSource(source);
    rawCache.set(key, raw);
  }
  return raw;
}

/** The source's own test file (null for a hold-out or none), loaded once like the training data. */
function loadTestCached(source: DatasetSource, train: RawDataset): RawDataset | null {
  const key = JSON.stringify(source);
  let test = testCache.get(key);
  if (test === undefined) {
    test = loadTestSource(source, train);
    testCache.set(key, test);
  }
  return test;
}

interface Layout {
  readonly raw: RawDataset;
  readonly height: number;
  readonly width: number;
  /** Indices train and validation are drawn from; absent: the whole source (no hold-out). */
  readonly rest?: Int32Array;
  /** The hold-out's indices into `raw`, when the test split is one. */
  readonly heldOut?: Int32Array;
}

function layout(options: PrepareOptions): Layout {
  const raw = loadRawCached(options.dataset);
  const resolution = options.resolution ?? raw.height;
  if (!Number.isInteger(resolution) || resolution < 1 || resolution > raw.height) {
    throw new DatasetError('resolution', `resolution ${resolution} must be an integer from 1 to the source height ${raw.height}`);
  }
  // The width keeps the source's aspect ratio (at least one pixel).
  const width = Math.max(1, Math.round((raw.width * resolution) / raw.height));
  const fraction = testFractionOf(options.dataset);
  if (fraction === undefined) return { raw, height: resolution, width };
  const { rest, test } = holdOutTest(raw.y, fraction);
  return { raw, height: resolution, width, rest, heldOut: test };
}

/** The test split's source and indices, or a DatasetError saying why there is none. */
function testSamples(options: PrepareOptions, l: Layout): { readonly raw: RawDataset; readonly indices: Int32Array } {
  if (l.heldOut) return { raw: l.raw, indices: l.heldOut };
  const file = loadTestCached(options.dataset, l.raw);
  if (!file) throw new DatasetError('test split', testSplitReason(options.dataset) ?? 'the source has no test split');
  return { raw: file, indices: Int32Array.from({ length: file.count }, (_, i) => i) };
}

export function prepareData(options: PrepareOptions): PreparedData {
  const key = JSON.stringify(options);
  const cached = preparedCache.get(key);
  if (cached) return cached;
  const l = layout(options);
  const { raw, height, width } = l;
  const split = stratifiedSplit(raw.y, options.validationFraction, options.splitSeed, l.rest);
  const train = gatherResized(raw, takeSubset(split.train, options.trainSubset), height, width);
  const validation = gatherResized(raw, takeSubset(split.validation, options.valSubset), height, width);
  const stats = channelStats(train, raw.channels);
  standardize(train, stats);
  standardize(validation, stats);
  let test: Split | undefined;
  if (options.test) {
    const t = testSamples(options, l);
    test = gatherResized(t.raw, t.indices, height, width);
    standardize(test, stats);
  }
  const prepared: PreparedData = {
    train,
    validation,
    ...(test ? { test } : {}),
    inputShape: [height, width, raw.channels],
    numClasses: raw.numClasses,
    info: {
      sourceShape: [raw.height, raw.width, raw.channels],
      scale: raw.scale,
      mean: [...stats.mean],
      std: [...stats.std],
      classNames: raw.classNames ?? null,
      featureNames: raw.featureNames ?? null,
      testSplit: describeTestSplit(options.dataset),
    },
  };
  preparedCache.set(key, prepared);
  return prepared;
}

/**
 * The test split as an exported model takes it: raw values (0–255 for bytes) area-resampled
 * to the training resolution, not standardised. What a test feeds a reloaded model, and
 * the reference a predictor's preprocessing must reproduce.
 */
export function rawTestInputs(options: PrepareOptions): Split & { readonly inputShape: readonly [number, number, number] } {
  const l = layout(options);
  const t = testSamples(options, l);
  const split = gatherResized({ ...t.raw, scale: 1 }, t.indices, l.height, l.width);
  return { ...split, inputShape: [l.height, l.width, l.raw.channels] };
}

export function clearDatasetCache(): void {
  rawCache.clear();
  testCache.clear();
  preparedCache.clear();
}

export function datasetCacheSize(): { raw: number; prepared: number } {
  return { raw: rawCache.size, prepared: preparedCache.size };
}
