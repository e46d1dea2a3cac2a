import { loadCsv, type CsvOptions } from './csv-source.js';
import type { RawDataset } from './dataset.js';
import { existsSync } from 'node:fs';
import { fashionMnistAvailable, fashionMnistDir, loadFashionMnist, loadIdxPair } from './idx-source.js';
import { generateSynthetic, type SyntheticOptions } from './synthetic-source.js';

/**
 * Where a trial's data comes from; plain JSON so it can travel to worker threads and be a
 * cache key. The held-out TEST split (scored once per finalist, never by a search trial)
 * is a file of the source's own (Fashion-MNIST's t10k, `testImages`/`testLabels`,
 * `testPath`) or, for a source without one, `testFraction` of it (see data/test-split.ts).
 */
export type DatasetSource =
  | { readonly source: 'fashion-mnist'; readonly dir?: string }
  | ({ readonly source: 'idx'; readonly images: string; readonly labels: string; readonly numClasses?: number; readonly testImages?: string; readonly testLabels?: string } & HoldOut)
  | ({ readonly source: 'csv'; readonly testPath?: string } & CsvOptions & HoldOut)
  | ({ readonly source: 'synthetic' } & SyntheticOptions & HoldOut);

export interface HoldOut {
  /**
   * Stratified fraction of the source held out as the test split before the
   * train/validation split, by a fixed seed (not the experiment's), so every search on
   * this dataset leaves out the same samples. Only for sources without a test file.
   */
  readonly testFraction?: number;
}

export const DATASET_SOURCES = ['fashion-mnist', 'idx', 'csv', 'synthetic'] as const;

export function loadSource(config: DatasetSource): RawDataset {
  switch (config.source) {
    case 'fashion-mnist':
      return loadFashionMnist(config.dir);
    case 'idx':
      return loadIdxPair(config.images, config.labels, config.numClasses);
    case 'csv':
      return loadCsv(config);
    case 'synthetic':
      return generateSynthetic(config);
  }
}

/**
 * Why this machine cannot load the source (its files are not here), or null. A worker
 * asks before it trains, so that a dataset it lacks fails the one trial with this
 * reason instead of a training thread's stack.
 */
export function missingDataset(config: DatasetSource): string | null {
  const absent = (paths: readonly string[]): string | null => {
    const gone = paths.filter((p) => !existsSync(p));
    return gone.length === 0 ? null : `${gone.join(' and ')} not found on this machine`;
  };
  switch (config.source) {
    case 'fashion-mnist':
      return fashionMnistAvailable(config.dir) && fashionMnistAvailable(config.dir, 't10k')
        ? null
        : `Fashion-MNIST (train and t10k) is not in ${fashionMnistDir(config.dir)} on this machine (Debian's dataset-fashion-mnist, or GRAPHNAS_FASHION_MNIST_DIR)`;
    case 'idx':
      return absent([config.images, config.labels, ...[config.testImages, config.testLabels].filter((p): p is string => p !== undefined)]);
    case 'csv':
      return absent([config.path, ...(config.testPath !== undefined ? [config.testPath] : [])]);
    case 'synthetic':
      return null;
  }
}
