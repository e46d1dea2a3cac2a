/**
 * The held-out TEST split: what a finalist is scored on once, after its training, and
 * what no search trial ever reads. A source's own test file where it has one
 * (Fashion-MNIST's t10k, an IDX pair, a CSV), else a stratified `testFraction` of the
 * source taken before the train/validation split. The hold-out's seed is fixed, not the
 * experiment's: the test split is a property of the dataset, so two searches with
 * different seeds leave out the same samples, and a search's validation split (which does
 * follow its seed) is drawn only from the rest.
 */
import { loadCsv } from './csv-source.js';
import { DatasetError, type RawDataset } from './dataset.js';
import { loadFashionMnist, loadIdxPair } from './idx-source.js';
import type { DatasetSource } from './source.js';
import { stratifiedSplit } from './split.js';

/** The hold-out's seed; changing it changes every testFraction dataset's test split, so never. */
export const TEST_SPLIT_SEED = 0x7e57;

export interface HeldOut {
  /** What train and validation are drawn from, ascending. */
  readonly rest: Int32Array;
  /** The test split, ascending. */
  readonly test: Int32Array;
}

/** round(fraction × n_class) of every class (at least one where it has two or more samples). */
export function holdOutTest(labels: Int32Array, testFraction: number): HeldOut {
  const { train, validation } = stratifiedSplit(labels, testFraction, TEST_SPLIT_SEED);
  return { rest: Int32Array.from(train).sort(), test: Int32Array.from(validation).sort() };
}

export function testFractionOf(dataset: DatasetSource): number | undefined {
  return dataset.source === 'fashion-mnist' ? undefined : dataset.testFraction;
}

/** Whether the source's test split is a file of its own (as opposed to a hold-out, or none). */
function hasTestFile(dataset: DatasetSource): boolean {
  switch (dataset.source) {
    case 'fashion-mnist':
      return true;
    case 'idx':
      return dataset.testImages !== undefined && dataset.testLabels !== undefined;
    case 'csv':
      return dataset.testPath !== undefined;
    case 'synthetic':
      return false;
  }
}

/** Where the test split comes from, in words, or null when the source has none. */
export function describeTestSplit(dataset: DatasetSource): string | null {
  const fraction = testFractionOf(dataset);
  if (fraction !== undefined) return `a stratified ${round(fraction * 100)}% hold-out of the source, fixed seed`;
  switch (dataset.source) {
    case 'fashion-mnist':
      return 'the t10k files';
    case 'idx':
      return hasTestFile(dataset) ? `${dataset.testImages} and ${dataset.testLabels}` : null;
    case 'csv':
      return dataset.testPath ?? null;
    case 'synthetic':
      return null;
  }
}

/**
 * Null when the source has a test split; otherwise why not, and what to do. The remedy
 * is a new search: a testFraction added after the search would hold out samples its
 * trials trained and were validated on.
 */
export function testSplitReason(dataset: DatasetSource): string | null {
  if (describeTestSplit(dataset) !== null) return null;
  const remedy = 'search again with dataset.testFraction (e.g. 0.2) set, so that part of the data is held out from the start: adding it now would test on samples the search already trained and validated on';
  switch (dataset.source) {
    case 'idx':
      return `the idx dataset has no test split: give dataset.testImages and dataset.testLabels (a test file pair), or ${remedy}`;
    case 'csv':
      return `the csv dataset has no test split: give dataset.testPath (a test file with the same columns), or ${remedy}`;
    default:
      return `the ${dataset.source} dataset has no test split: ${remedy}`;
  }
}

/**
 * The source's own test file, checked against its training data (same sample shape and
 * classes; a CSV's string labels map to the training file's indices), or null when the
 * test split is a hold-out or there is none.
 */
export function loadTestSource(dataset: DatasetSource, train: RawDataset): RawDataset | null {
  if (!hasTestFile(dataset) || testFractionOf(dataset) !== undefined) return null;
  let test: RawDataset;
  let name: string;
  switch (dataset.source) {
    case 'fashion-mnist':
      test = loadFashionMnist(dataset.dir, 't10k');
      name = 'the t10k files';
      break;
    case 'idx':
      test = loadIdxPair(dataset.testImages as string, dataset.testLabels as string, train.numClasses);
      name = dataset.testImages as string;
      break;
    case 'csv':
      test = loadCsv({ ...dataset, path: dataset.testPath as string }, { numClasses: train.numClasses, classNames: train.classNames });
      name = dataset.testPath as string;
      break;
    case 'synthetic':
      return null;
  }
  const shape = (d: RawDataset): string => `${d.height}×${d.width}×${d.channels}`;
  if (shape(test) !== shape(train)) throw new DatasetError(name, `test samples are ${shape(test)}, the training samples ${shape(train)}`);
  if (test.scale !== train.scale) throw new DatasetError(name, `test values are scaled by ${test.scale}, the training values by ${train.scale}`);
  return { ...test, numClasses: train.numClasses, ...(train.classNames ? { classNames: train.classNames } : {}) };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
