/**
 * `graphnas predict MODEL_DIR IMAGE.png|ROWS.csv`: class probabilities from an exported
 * model, so a user can try it at once. The model standardises by itself; this brings a
 * raw input to its shape: a PNG's pixels to its channels and resolution, a CSV's rows to
 * its features.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { PNG } from 'pngjs';
import { selectBackend } from '../backend/select.js';
import { resampleArea } from '../data/transform.js';
import { loadExportedModel, type ExportedModel } from './load.js';
import type { PreprocessingSpec } from './preprocessing.js';

export interface ClassProbability {
  readonly index: number;
  /** The class's name, or its index as a string where the dataset names none. */
  readonly name: string;
  readonly probability: number;
}

export interface Prediction {
  /** What was classified: the PNG's file name, or `ROWS.csv:LINE`. */
  readonly input: string;
  /** Every class, in class order. */
  readonly probabilities: readonly ClassProbability[];
  /** The most probable class. */
  readonly top: ClassProbability;
}

/** A decoded image, 8 bits per channel, RGBA row-major (what pngjs returns). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export function decodePng(bytes: Uint8Array, source = 'image'): RgbaImage {
  try {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { width: png.width, height: png.height, data: png.data };
  } catch (error) {
    throw new Error(`${source}: not a readable PNG (${(error as Error).message})`);
  }
}

/**
 * The model's input for one image: transparent pixels composited over black (the
 * background of MNIST-style data), RGB reduced to gray by ITU-R BT.601 luma where the
 * model has one channel (a gray PNG's value is kept exactly), then area-resampled to the
 * training resolution, as training resampled its source. Values stay 0–255.
 */
export function imageInput(image: RgbaImage, spec: PreprocessingSpec): Float32Array {
  const [h, w, c] = spec.inputShape;
  if (c !== 1 && c !== 3) throw new Error(`the model takes ${c} channels; a PNG gives 1 (gray) or 3 (RGB)`);
  const pixels = new Float32Array(image.width * image.height * c);
  for (let p = 0; p < image.width * image.height; p++) {
    const alpha = image.data[4 * p + 3] / 255;
    const [r, g, b] = [image.data[4 * p], image.data[4 * p + 1], image.data[4 * p + 2]].map((v) => v * alpha);
    if (c === 1) pixels[p] = r === g && g === b ? r : 0.299 * r + 0.587 * g + 0.114 * b;
    else pixels.set([r, g, b], 3 * p);
  }
  return image.height === h && image.width === w ? pixels : resampleArea(pixels, image.height, image.width, c, h, w);
}

/**
 * The model's inputs for the rows of a CSV. With a header that names the model's feature
 * columns (a CSV source's own file, its label column included) those columns are picked
 * by name; otherwise every row must hold exactly the model's features, or a source-size
 * image (resampled as in training), and nothing else.
 */
export function csvInputs(text: string, spec: PreprocessingSpec, source = 'input.csv'): { readonly line: number; readonly x: Float32Array }[] {
  const rows = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, cells: line.split(',').map((cell) => cell.trim()) }))
    .filter((r) => r.cells.length > 1 || r.cells[0] !== '');
  if (rows.length === 0) throw new Error(`${source}: no rows`);
  const [h, w, c] = spec.inputShape;
  const [sh, sw] = spec.sourceShape;
  const size = h * w * c;
  const sourceSize = sh * sw * c;
  const header = rows[0].cells.some((cell) => cell === '' || !Number.isFinite(Number(cell)));
  let pick: ((cells: string[]) => string[]) | undefined;
  if (header && spec.featureNames) {
    const names = rows[0].cells;
    const missing = spec.featureNames.filter((f) => !names.includes(f));
    if (missing.length === 0) {
      const idx = spec.featureNames.map((f) => names.indexOf(f));
      pick = (cells) => idx.map((i) => cells[i]);
    } else if (names.length !== size) {
      throw new Error(`${source}: the header lacks the model's feature columns ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
    }
  }
  const data = header ? rows.slice(1) : rows;
  if (data.length === 0) throw new Error(`${source}: a header but no rows`);
  return data.map(({ line, cells }) => {
    const values = (pick ? pick(cells) : cells).map((cell, i) => {
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) throw new Error(`${source}: line ${line}, value ${i + 1}: ${JSON.stringify(cell)} is not a number`);
      return v;
    });
    if (values.length === size) return { line, x: Float32Array.from(values) };
    if (values.length === sourceSize) return { line, x: resampleArea(values, sh, sw, c, h, w) };
    const expected = size === sourceSize ? `${size}` : `${size} (or ${sourceSize} at the source's ${sh}×${sw})`;
    throw new Error(`${source}: line ${line} has ${values.length} values, the model takes ${expected}`);
  });
}

/** Probabilities for a batch of prepared inputs (each inputShape's size), in tidy tensors. */
export function classify(exported: ExportedModel, inputs: readonly Float32Array[], labels: readonly string[]): Prediction[] {
  const { model, preprocessing: spec } = exported;
  const size = spec.inputShape[0] * spec.inputShape[1] * spec.inputShape[2];
  const flat = new Float32Array(inputs.length * size);
  inputs.forEach((x, i) => flat.set(x, i * size));
  const probs = tf.tidy(() => (model.predict(tf.tensor4d(flat, [inputs.length, ...spec.inputShape])) as tf.Tensor2D).dataSync() as Float32Array);
  const k = spec.numClasses;
  return inputs.map((_, i) => {
    const probabilities = Array.from({ length: k }, (__, j) => ({ index: j, name: spec.classNames?.[j] ?? String(j), probability: probs[i * k + j] }));
    const top = probabilities.reduce((a, b) => (b.probability > a.probability ? b : a));
    return { input: labels[i], probabilities, top };
  });
}

/** Classifies inputs with an already loaded model (a caller classifying many files loads it once). */
export async function predictWith(exported: ExportedModel, inputPath: string): Promise<Prediction[]> {
  const bytes = await readFile(inputPath);
  const ext = extname(inputPath).toLowerCase();
  const isPng = bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  if (isPng) return classify(exported, [imageInput(decodePng(bytes, inputPath), exported.preprocessing)], [basename(inputPath)]);
  if (ext === '.png') throw new Error(`${inputPath}: not a PNG file`);
  const rows = csvInputs(bytes.toString('utf8'), exported.preprocessing, inputPath);
  return classify(exported, rows.map((r) => r.x), rows.map((r) => `${basename(inputPath)}:${r.line}`));
}

/**
 * Loads the model in `dir` and classifies `inputPath` (a PNG, or a CSV of one or more
 * rows). Picks this thread's tfjs backend first if nothing has (wasm, else cpu, unless
 * `backend` or GRAPHNAS_TF_BACKEND says otherwise).
 */
export async function predict(dir: string, inputPath: string, options: { readonly backend?: string } = {}): Promise<Prediction[]> {
  await selectBackend({ preferred: options.backend });
  const exported = await loadExportedModel(dir);
  try {
    return await predictWith(exported, inputPath);
  } finally {
    exported.model.dispose();
  }
}

/** Lines for a terminal: per input, its classes from the most probable down (`top` of them; all by default). */
export function formatPredictions(predictions: readonly Prediction[], options: { readonly top?: number } = {}): string {
  return predictions
    .map((p) => {
      const ranked = [...p.probabilities].sort((a, b) => b.probability - a.probability).slice(0, options.top ?? p.probabilities.length);
      const width = Math.max(...ranked.map((c) => c.name.length));
      const lines = ranked.map((c) => `  ${c.name.padEnd(width)}  ${(c.probability * 100).toFixed(2).padStart(6)} %`);
      return [`${p.input}: ${p.top.name}`, ...lines].join('\n');
    })
    .join('\n');
}
