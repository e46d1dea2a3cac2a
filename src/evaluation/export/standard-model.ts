/**
 * The trained child network rebuilt from standard tfjs-layers classes only, so that
 * `tf.loadLayersModel` reads it anywhere (a browser, Node, Keras' converter) without
 * graphnas's code. The rebuild works on the model's own serialised topology, the format
 * loadLayersModel itself reads, rewritten in three places:
 *
 * - graphnas's layers become standard ones with the same inference behaviour:
 *   GraphnasSeededDropout → Dropout (both are the identity outside training),
 *   GraphnasZerosLike → Rescaling with scale 0 and offset 0 (zeros of its input's shape,
 *   no weights; the zeros feed later ops, e.g. a ReLU-Conv-BN whose output is BN's bias,
 *   so the node cannot simply be dropped);
 * - a non-trainable 1×1 DepthwiseConv2D (`standardize`) after the input does the
 *   training's standardisation, (raw / scale − mean) / std per channel, so the model
 *   takes raw values (0–255 for image bytes) at the training resolution;
 * - a softmax Activation (`probabilities`) after the logits.
 *
 * Every other layer keeps its name, so weights are copied across layer by layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The standardisation the training data went through (PreparationInfo's fields). */
export interface Standardization {
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export const STANDARDIZE_LAYER = 'standardize';
export const PROBABILITIES_LAYER = 'probabilities';

/** Keras' JSON: snake_case configs, inbound nodes as [layer, node, tensor, kwargs]. */
type Json = Record<string, unknown>;
type ModelJson = Extract<Parameters<typeof tfl.models.modelFromJSON>[0], { modelTopology: unknown }>;
type InboundRef = [string, number, number, Json];
interface LayerJson {
  name: string;
  class_name: string;
  config: Json;
  inbound_nodes: InboundRef[][];
}
interface ModelConfigJson {
  name: string;
  layers: LayerJson[];
  input_layers: [string, number, number][];
  output_layers: [string, number, number][];
}

/** Rewrites graphnas's classes to standard ones; throws on a class this file does not know how to replace. */
function standardLayer(layer: LayerJson): LayerJson {
  const { name, trainable } = layer.config;
  switch (layer.class_name) {
    case 'GraphnasSeededDropout':
      return { ...layer, class_name: 'Dropout', config: { name, trainable, rate: layer.config.rate } };
    case 'GraphnasZerosLike':
      return { ...layer, class_name: 'Rescaling', config: { name, trainable: false, scale: 0, offset: 0 } };
    default:
      if (layer.class_name.startsWith('Graphnas')) throw new Error(`no standard replacement for layer class ${layer.class_name} (${String(name)})`);
      return layer;
  }
}

/** The rewritten topology (see the file comment); pure JSON in, JSON out. */
export function standardTopology(topology: Json, inputName: string, outputName: string): Json {
  const config = structuredClone(topology.config) as ModelConfigJson;
  const names = new Set(config.layers.map((l) => l.name));
  for (const reserved of [STANDARDIZE_LAYER, PROBABILITIES_LAYER]) {
    if (names.has(reserved)) throw new Error(`the network already has a layer named ${reserved}`);
  }
  const rewire = (refs: InboundRef[][]): InboundRef[][] => refs.map((node) => node.map((ref): InboundRef => (ref[0] === inputName ? [STANDARDIZE_LAYER, 0, 0, ref[3]] : ref)));
  const layers: LayerJson[] = [];
  for (const layer of config.layers) {
    layers.push({ ...standardLayer(layer), inbound_nodes: rewire(layer.inbound_nodes) });
    if (layer.name === inputName) {
      layers.push({
        name: STANDARDIZE_LAYER,
        class_name: 'DepthwiseConv2D',
        config: {
          name: STANDARDIZE_LAYER,
          trainable: false,
          kernel_size: [1, 1],
          strides: [1, 1],
          padding: 'valid',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          depth_multiplier: 1,
          activation: 'linear',
          use_bias: true,
          depthwise_initializer: { class_name: 'Zeros', config: {} },
          bias_initializer: { class_name: 'Zeros', config: {} },
        },
        inbound_nodes: [[[inputName, 0, 0, {}]]],
      });
    }
  }
  layers.push({
    name: PROBABILITIES_LAYER,
    class_name: 'Activation',
    config: { name: PROBABILITIES_LAYER, trainable: false, activation: 'softmax' },
    inbound_nodes: [[[outputName, 0, 0, {}]]],
  });
  return { ...topology, config: { ...config, layers, output_layers: [[PROBABILITIES_LAYER, 0, 0]] } };
}

/**
 * The deployable model: `trained` rebuilt from standard layers with its weights, the
 * standardisation in front and a softmax behind. The caller disposes it; `trained` is
 * left as it was.
 */
export async function toStandardModel(trained: tfl.LayersModel, standardization: Standardization): Promise<tfl.LayersModel> {
  if (trained.inputs.length !== 1 || trained.outputs.length !== 1) throw new Error('only single-input, single-output networks are exported');
  const inputName = trained.inputLayers[0].name;
  const outputName = trained.outputLayers[0].name;
  const topology = trained.toJSON(null, false) as Json;
  // The rewritten topology is the JSON tfjs itself wrote, with layers swapped: its type is tfjs's JSON type.
  const modelTopology = standardTopology(topology, inputName, outputName) as unknown as ModelJson['modelTopology'];
  const model = await tfl.models.modelFromJSON({ modelTopology });
  try {
    for (const layer of trained.layers) {
      if (layer.weights.length === 0) continue;
      // Fresh tensors, not the trained variables themselves: setWeights would make both models'
      // variables share one buffer, and tfjs's memory accounting loses track of shared buffers.
      const values = layer.getWeights().map((w) => tf.tensor(w.dataSync(), w.shape, w.dtype));
      try {
        model.getLayer(layer.name).setWeights(values);
      } finally {
        values.forEach((v) => v.dispose());
      }
    }
    const channels = standardization.mean.length;
    const { scale, mean, std } = standardization;
    const kernel = tf.tensor4d(mean.map((_, c) => 1 / (scale * std[c])), [1, 1, channels, 1]);
    const bias = tf.tensor1d(mean.map((m, c) => -m / std[c]));
    try {
      model.getLayer(STANDARDIZE_LAYER).setWeights([kernel, bias]);
    } finally {
      kernel.dispose();
      bias.dispose();
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
