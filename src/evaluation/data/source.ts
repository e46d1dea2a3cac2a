import { loadCsv, type CsvOptions } from './csv-source.js';
import type { RawDataset } from './dataset.js';
import { loadFashionMnist, loadIdxPair } from './idx-source.js';
import { generateSynthetic, type SyntheticOptions } from './synthetic-source.js';

/** Where a trial's data comes from; plain JSON so it can travel to worker threads and be a cache key. */
export type DatasetSource =
  | { readonly source: 'fashion-mnist'; readonly dir?: string }
  | { readonly source: 'idx'; readonly images: string; readonly labels: string; readonly numClasses?: number }
  | ({ readonly source: 'csv' } & CsvOptions)
  | ({ readonly source: 'synthetic' } & SyntheticOptions);

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
