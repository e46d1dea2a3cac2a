import type * as tfl from '@tensorflow/tfjs-layers';
import type { Actions, Architecture } from '../../space/types.js';
import type { ArtifactFile, ModelArtifact, ModelSummary } from '../evaluator.js';
import type { PreparedData } from '../data/dataset.js';
import type { DatasetSource } from '../data/source.js';
import { modelCost } from '../model/cost.js';
import { measureLatency } from '../model/latency.js';
import { PREPROCESSING_FORMAT, PREPROCESSING_JSON, type PreprocessingSpec } from './preprocessing.js';
import { MODEL_JSON, WEIGHTS_BIN, saveModelFiles } from './serialize.js';
import { toStandardModel } from './standard-model.js';

export const ARCHITECTURE_JSON = 'architecture.json';
export const ARCHITECTURE_FORMAT = 'graphnas-architecture/1';

/** What the exporting worker knows about the finalist beyond its trained network. */
export interface ExportContext {
  readonly architecture: Architecture;
  readonly actions: Actions;
  readonly label: string;
  readonly dataset: DatasetSource;
  /** Measure the exported model's latency on this thread's backend (a few hundred ms). */
  readonly measureLatency: boolean;
}

/** One node of the exported layer graph, for architecture.json. */
export interface LayerSummary {
  readonly name: string;
  readonly className: string;
  readonly inputs: readonly string[];
  readonly outputShape: readonly (number | null)[];
  readonly params: number;
  readonly trainable: boolean;
}

/**
 * The trained network as portable files (model.json, weights.bin, architecture.json,
 * preprocessing.json) and what a model card says about it. Params and FLOPs are the
 * trained child's (as its trials report them: the standardisation and softmax added for
 * export are not part of the searched network); latency is the exported model's, since
 * that is what a user runs.
 */
export async function exportModelArtifact(trained: tfl.LayersModel, data: PreparedData, context: ExportContext): Promise<ModelArtifact> {
  const info = data.info;
  if (!info) throw new Error('the prepared data carry no preprocessing information (prepareData sets it)');
  const model = await toStandardModel(trained, info);
  try {
    const { modelJson, weights } = await saveModelFiles(model);
    const cost = modelCost(trained);
    const latency = context.measureLatency ? await measureLatency(model, data.inputShape) : null;
    const kind = context.dataset.source === 'csv' && info.sourceShape[0] === 1 && info.sourceShape[1] === 1 ? 'features' : 'image';
    const preprocessing: PreprocessingSpec = {
      format: PREPROCESSING_FORMAT,
      inputShape: data.inputShape,
      kind,
      sourceShape: info.sourceShape,
      resampling: info.sourceShape[0] === data.inputShape[0] && info.sourceShape[1] === data.inputShape[1] ? 'none' : 'area',
      valueScale: info.scale,
      mean: info.mean,
      std: info.std,
      standardizedInModel: true,
      output: 'probabilities',
      numClasses: data.numClasses,
      classNames: info.classNames,
      featureNames: info.featureNames,
    };
    const architecture = {
      format: ARCHITECTURE_FORMAT,
      label: context.label,
      actions: context.actions,
      architecture: context.architecture,
      layers: layerGraph(model),
    };
    const summary: ModelSummary = {
      inputShape: data.inputShape,
      numClasses: data.numClasses,
      classNames: info.classNames,
      dataset: datasetLine(context.dataset, data),
      preprocessing: describePreprocessing(preprocessing),
      params: cost.params,
      flops: cost.flops,
      latencyMs: latency ? { batch1: latency.batch1Ms, batch64PerSample: latency.batch64MsPerSample } : null,
    };
    const files: ArtifactFile[] = [
      { name: MODEL_JSON, bytes: modelJson },
      { name: WEIGHTS_BIN, bytes: weights },
      { name: ARCHITECTURE_JSON, bytes: jsonBytes(architecture) },
      { name: PREPROCESSING_JSON, bytes: jsonBytes(preprocessing) },
    ];
    return { files, model: summary };
  } finally {
    model.dispose();
  }
}

function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
}

function layerGraph(model: tfl.LayersModel): LayerSummary[] {
  return model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    inputs: layer.inboundNodes.flatMap((node) => node.inboundLayers.map((l) => l.name)),
    outputShape: layer.outputShape as (number | null)[],
    params: layer.countParams(),
    trainable: layer.trainable,
  }));
}

const count = (n: number): string => n.toLocaleString('en-US');

/** E.g. "fashion-mnist: 54,000 train / 6,000 validation / 10,000 test (the t10k files)". */
export function datasetLine(dataset: DatasetSource, data: PreparedData): string {
  const name =
    dataset.source === 'fashion-mnist' ? 'fashion-mnist'
    : dataset.source === 'idx' ? `idx ${dataset.images}`
    : dataset.source === 'csv' ? `csv ${dataset.path}`
    : `synthetic ${data.info?.sourceShape.join('×') ?? ''}, ${data.numClasses} classes`;
  const test = data.test ? ` / ${count(data.test.count)} test (${data.info?.testSplit ?? 'test split'})` : '';
  return `${name}: ${count(data.train.count)} train / ${count(data.validation.count)} validation${test}`;
}

function describePreprocessing(p: PreprocessingSpec): string {
  const [h, w, c] = p.inputShape;
  const [sh, sw] = p.sourceShape;
  const values = p.valueScale === 255 ? 'raw pixel values 0–255' : 'raw values';
  const layout = p.kind === 'features' ? `${c} features (${values})` : `${h}×${w}×${c} images (${values})`;
  const resample = p.resampling === 'area' ? `, area-resampled from the source's ${sh}×${sw}` : '';
  const fmt = (xs: readonly number[]): string => (xs.length > 4 ? `(${xs.length} values, see ${PREPROCESSING_JSON})` : `[${xs.map((x) => x.toPrecision(4)).join(', ')}]`);
  const scale = p.valueScale === 1 ? 'x' : `x / ${p.valueScale}`;
  return `takes ${layout}${resample}; standardises per channel as (${scale} − mean) / std with mean ${fmt(p.mean)}, std ${fmt(p.std)} inside the model; outputs softmax probabilities over ${p.numClasses} classes`;
}
