/**
 * In-memory image classification data. Pixels stay in their source type (bytes for IDX
 * files) until a trial's subset is prepared, so a cached Fashion-MNIST costs 47 MB per
 * worker instead of 188 MB as float32.
 */
import { GraphnasError } from '../../errors/index.js';
export interface RawDataset {
  /** Row-major NHWC samples. */
  readonly x: Uint8Array | Float32Array;
  readonly y: Int32Array;
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly numClasses: number;
  /** Divides raw values before standardisation (255 for bytes, 1 otherwise). */
  readonly scale: number;
  /** Class names by index, where the source has them (Fashion-MNIST's, a CSV's string labels); absent otherwise. */
  readonly classNames?: readonly string[];
  /** A CSV's feature column names in feature order, so a predictor can pick them out of a row by name. */
  readonly featureNames?: readonly string[];
}

/** A prepared split: float32 NHWC, standardised, ready to become tensors. */
export interface Split {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly count: number;
}

export interface PreparedData {
  readonly train: Split;
  readonly validation: Split;
  /** [height, width, channels] after resolution changes. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** The held-out test split, prepared only when asked for (a finalist's); search trials never get one. */
  readonly test?: Split;
  /** How raw samples became these splits; what an exported model needs to take raw inputs. Set by prepareData. */
  readonly info?: PreparationInfo;
}

/** The preprocessing a prepared dataset went through, and where its splits came from. */
export interface PreparationInfo {
  /** [height, width, channels] of the source before resampling. */
  readonly sourceShape: readonly [number, number, number];
  /** See RawDataset.scale. */
  readonly scale: number;
  /** Per-channel statistics of the training split, in units of raw / scale. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly classNames: readonly string[] | null;
  readonly featureNames: readonly string[] | null;
  /** Where the test split comes from (a file, a held-out fraction), or null when the source has none. */
  readonly testSplit: string | null;
}

/** Thrown for unreadable or inconsistent data; `source` names the file or generator. */
export class DatasetError extends GraphnasError {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super('BAD_USER_INPUT', `${source}: ${message}`);
  }
}

export function sampleSize(d: Pick<RawDataset, 'height' | 'width' | 'channels'>): number {
  return d.height * d.width * d.channels;
}
