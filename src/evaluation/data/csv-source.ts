import { readFileSync } from 'node:fs';
import { DatasetError, type RawDataset } from './dataset.js';

export interface CsvOptions {
  readonly path: string;
  /** Column name (with a header row) or zero-based index; default the last column. */
  readonly labelColumn?: string | number;
  /** Feature columns (names or indices); default every column except the label. */
  readonly featureColumns?: readonly (string | number)[];
  /** Reshape each row's features to [height, width, channels]; default [1, 1, features]. */
  readonly shape?: readonly [number, number, number];
  /** Default: detected (a first row with any non-numeric feature cell is a header). */
  readonly header?: boolean;
}

/**
 * The classes of the training file, for reading its test file: a test file may lack a
 * class or list them in another order, and must still map every label to the index the
 * network was trained on.
 */
export interface CsvClasses {
  readonly numClasses: number;
  /** The training file's string labels in sorted order; absent when its labels are integers. */
  readonly classNames?: readonly string[];
}

/**
 * Parses a simple CSV (comma-separated, no quoted commas). Labels may be integers (used
 * as class indices) or strings (mapped to indices in sorted order, so the mapping does
 * not depend on row order).
 */
export function loadCsv(options: CsvOptions, classes?: CsvClasses): RawDataset {
  const { path } = options;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new DatasetError(path, `cannot read CSV file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseCsv(text, options, classes);
}

export function parseCsv(text: string, options: CsvOptions, classes?: CsvClasses): RawDataset {
  const source = options.path;
  const rows = text
    .split(/\r?\n/)
    .map((line, i) => ({ line: i + 1, cells: line.split(',').map((c) => c.trim()) }))
    .filter((r) => r.cells.length > 1 || r.cells[0] !== '');
  if (rows.length === 0) throw new DatasetError(source, 'empty CSV');
  const width = rows[0].cells.length;
  const header = options.header ?? rows[0].cells.some((c) => c === '' || !Number.isFinite(Number(c)));
  const names = header ? rows[0].cells : rows[0].cells.map((_, i) => String(i));
  const data = header ? rows.slice(1) : rows;
  if (data.length === 0) throw new DatasetError(source, 'CSV has a header but no data rows');

  const resolve = (col: string | number, what: string): number => {
    const idx = typeof col === 'number' ? col : names.indexOf(col);
    if (!Number.isInteger(idx) || idx < 0 || idx >= width) {
      throw new DatasetError(source, `${what} column ${JSON.stringify(col)} not found (columns: ${names.join(', ')})`);
    }
    return idx;
  };
  const labelIdx = resolve(options.labelColumn ?? width - 1, 'label');
  const featureIdx = (options.featureColumns ?? names.map((_, i) => i).filter((i) => i !== labelIdx)).map((c) => resolve(c, 'feature'));
  if (featureIdx.includes(labelIdx)) throw new DatasetError(source, 'the label column is also listed as a feature column');
  const shape = options.shape ?? [1, 1, featureIdx.length];
  if (shape[0] * shape[1] * shape[2] !== featureIdx.length) {
    throw new DatasetError(source, `shape [${shape.join(', ')}] needs ${shape[0] * shape[1] * shape[2]} features, ${featureIdx.length} selected`);
  }

  const x = new Float32Array(data.length * featureIdx.length);
  const rawLabels: string[] = [];
  data.forEach((row, r) => {
    if (row.cells.length !== width) throw new DatasetError(source, `line ${row.line} has ${row.cells.length} cells, expected ${width}`);
    featureIdx.forEach((c, f) => {
      const v = Number(row.cells[c]);
      if (row.cells[c] === '' || !Number.isFinite(v)) {
        throw new DatasetError(source, `line ${row.line}, column ${names[c]}: ${JSON.stringify(row.cells[c])} is not a number`);
      }
      x[r * featureIdx.length + f] = v;
    });
    rawLabels.push(row.cells[labelIdx]);
  });

  const numeric = rawLabels.every((l) => /^\d+$/.test(l));
  if (classes) return { ...withClasses(source, rawLabels, data.map((r) => r.line), numeric, classes), x, count: data.length, height: shape[0], width: shape[1], channels: shape[2], scale: 1, featureNames: featureIdx.map((c) => names[c]) };
  let y: Int32Array;
  let numClasses: number;
  let classNames: string[] | undefined;
  if (numeric) {
    y = Int32Array.from(rawLabels, Number);
    numClasses = y.reduce((m, v) => Math.max(m, v), 0) + 1;
  } else {
    classNames = [...new Set(rawLabels)].sort();
    const index = new Map(classNames.map((c, i) => [c, i]));
    y = Int32Array.from(rawLabels, (l) => index.get(l) as number);
    numClasses = classNames.length;
  }
  if (numClasses < 2) throw new DatasetError(source, 'a classification dataset needs at least 2 classes');
  return {
    x, y, count: data.length, height: shape[0], width: shape[1], channels: shape[2], numClasses, scale: 1,
    ...(classNames ? { classNames } : {}),
    featureNames: featureIdx.map((c) => names[c]),
  };
}

/** Labels mapped to the training file's class indices; one it never had is an error, not a new class. */
function withClasses(source: string, rawLabels: readonly string[], lines: readonly number[], numeric: boolean, classes: CsvClasses): { y: Int32Array; numClasses: number; classNames?: readonly string[] } {
  const { numClasses, classNames } = classes;
  const index = classNames ? new Map(classNames.map((c, i) => [c, i])) : undefined;
  const y = new Int32Array(rawLabels.length);
  rawLabels.forEach((label, r) => {
    const k = index ? index.get(label) : numeric ? Number(label) : undefined;
    if (k === undefined || !(k < numClasses)) {
      const known = classNames ? classNames.join(', ') : `0 to ${numClasses - 1}`;
      throw new DatasetError(source, `line ${lines[r]}: label ${JSON.stringify(label)} is not a class of the training file (${known})`);
    }
    y[r] = k;
  });
  return { y, numClasses, ...(classNames ? { classNames } : {}) };
}
