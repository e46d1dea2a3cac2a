/**
 * `preprocessing.json`: how a raw input becomes what the exported model takes. The model
 * standardises by itself; what is left to a caller is the sample's layout and size: an
 * image's channels (gray or RGB) and its resampling to the training resolution, or a
 * CSV row's feature columns.
 */
export const PREPROCESSING_JSON = 'preprocessing.json';
export const PREPROCESSING_FORMAT = 'graphnas-preprocessing/1';

export interface PreprocessingSpec {
  readonly format: typeof PREPROCESSING_FORMAT;
  /** [height, width, channels] the model takes (NHWC, batch first), in raw values. */
  readonly inputShape: readonly [number, number, number];
  /** `image`: pixels (predict reads PNG); `features`: a CSV row, reshaped to inputShape. */
  readonly kind: 'image' | 'features';
  /** [height, width, channels] of the source's samples before resampling. */
  readonly sourceShape: readonly [number, number, number];
  /**
   * How the source's samples were brought to inputShape: `area` averages every source pixel
   * under an output pixel, weighted by how much of it is covered (an integer factor is plain
   * average pooling); `none` where the sizes are equal. Applied to the raw values.
   */
  readonly resampling: 'area' | 'none';
  /** Raw values are divided by this before standardisation (255 for image bytes). */
  readonly valueScale: number;
  /** Per-channel mean and standard deviation of the training split, in units of raw / valueScale. */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** The model's first layer (`standardize`) computes (raw / valueScale − mean) / std itself. */
  readonly standardizedInModel: true;
  /** The model's last layer is a softmax: outputs are class probabilities. */
  readonly output: 'probabilities';
  readonly numClasses: number;
  readonly classNames: readonly string[] | null;
  /** A CSV source's feature columns, in the order the model takes them; null for images. */
  readonly featureNames: readonly string[] | null;
}

/** Checks the fields a predictor relies on; throws with the file's name. */
export function parsePreprocessing(text: string, source = PREPROCESSING_JSON): PreprocessingSpec {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const spec = value as Partial<PreprocessingSpec> | null;
  const triple = (x: unknown): boolean => Array.isArray(x) && x.length === 3 && x.every((d) => Number.isInteger(d) && (d as number) > 0);
  if (spec === null || typeof spec !== 'object' || spec.format !== PREPROCESSING_FORMAT) throw new Error(`${source}: not a ${PREPROCESSING_FORMAT} file`);
  if (!triple(spec.inputShape) || !triple(spec.sourceShape)) throw new Error(`${source}: inputShape and sourceShape must be [height, width, channels]`);
  if (spec.kind !== 'image' && spec.kind !== 'features') throw new Error(`${source}: kind must be image or features`);
  if (!Number.isInteger(spec.numClasses) || (spec.numClasses as number) < 2) throw new Error(`${source}: numClasses must be an integer ≥ 2`);
  if (spec.classNames != null && (!Array.isArray(spec.classNames) || spec.classNames.length !== spec.numClasses)) throw new Error(`${source}: classNames must list numClasses names`);
  return spec as PreprocessingSpec;
}
