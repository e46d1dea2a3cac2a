import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DatasetError, type RawDataset } from './dataset.js';
import { readIdx } from './idx.js';
import { machine } from '../machine.js';

/** Where Debian's `dataset-fashion-mnist` installs its files; `GRAPHNAS_FASHION_MNIST_DIR` overrides. */
export const DEFAULT_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_DIR_ENV = 'GRAPHNAS_FASHION_MNIST_DIR';

export type IdxPart = 'train' | 't10k';

/** Loads an images/labels IDX pair (rank-3 or rank-4 images, rank-1 labels). */
export function loadIdxPair(imagesPath: string, labelsPath: string, numClasses?: number): RawDataset {
  const images = readIdx(imagesPath);
  const labels = readIdx(labelsPath);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DatasetError(imagesPath, `images must have rank 3 (N, H, W) or 4 (N, H, W, C), got [${images.dims.join(', ')}]`);
  }
  if (labels.dims.length !== 1) {
    throw new DatasetError(labelsPath, `labels must have rank 1, got [${labels.dims.join(', ')}]`);
  }
  const [count, height, width] = images.dims;
  const channels = images.dims[3] ?? 1;
  if (labels.dims[0] !== count) {
    throw new DatasetError(labelsPath, `${labels.dims[0]} labels for ${count} images in ${imagesPath}`);
  }
  const y = Int32Array.from(labels.data);
  const classes = numClasses ?? y.reduce((m, v) => Math.max(m, v), 0) + 1;
  const bad = y.findIndex((v) => v >= classes);
  if (bad >= 0) throw new DatasetError(labelsPath, `label ${y[bad]} at index ${bad} is outside [0, ${classes})`);
  return { x: images.data, y, count, height, width, channels, numClasses: classes, scale: 255 };
}

export function fashionMnistDir(dir?: string): string {
  return dir ?? machine().fashionMnistDir ?? DEFAULT_FASHION_MNIST_DIR;
}

/** Finds `<part>-images-idx3-ubyte[.gz]` (either form, as distributions differ). */
function findFile(dir: string, stem: string): string {
  for (const name of [stem, `${stem}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new DatasetError(
    join(dir, stem),
    `not found (nor .gz). Install Debian's dataset-fashion-mnist package or set ${FASHION_MNIST_DIR_ENV} to a directory with the IDX files`,
  );
}

export function fashionMnistAvailable(dir?: string, part: IdxPart = 'train'): boolean {
  const d = fashionMnistDir(dir);
  return [`${part}-images-idx3-ubyte`, `${part}-labels-idx1-ubyte`].every((s) => existsSync(join(d, s)) || existsSync(join(d, `${s}.gz`)));
}

/** Fashion-MNIST's labels 0–9, as its authors name them. */
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] as const;

/** Fashion-MNIST (or any MNIST-layout directory): 28×28×1 bytes, 10 classes. */
export function loadFashionMnist(dir?: string, part: IdxPart = 'train'): RawDataset {
  const d = fashionMnistDir(dir);
  return { ...loadIdxPair(findFile(d, `${part}-images-idx3-ubyte`), findFile(d, `${part}-labels-idx1-ubyte`), 10), classNames: FASHION_MNIST_CLASSES };
}
