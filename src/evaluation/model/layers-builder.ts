import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerNode, LayersArchitecture } from '../../space/types.js';
import { SeededInit } from './init.js';
import { SeededDropout } from './seeded-dropout.js';

type Tensor = tfl.SymbolicTensor;

/**
 * Shape rules that make every sampled layers architecture buildable
 * (also in docs/child-networks.md):
 *
 * 1. Convolutions and pooling use 'same' padding, so a spatial dim becomes ceil(d / stride)
 *    and can never drop below 1. A pooling layer whose input is already 1×1 would compute
 *    nothing and becomes identity.
 * 2. The first dense layer flattens a spatial input. Once the network is flat it stays
 *    flat: any later conv2d / depthwiseConv2d / pooling layer becomes identity (reshaping
 *    units back into a 1×1 map would only turn a conv into a worse dense layer).
 * 3. Skips: layer i's input is the previous layer's output plus (element-wise add) every
 *    layer output listed in `skips`, each first brought to the main input's shape:
 *    - spatial into spatial: a larger map is average-pooled with window = stride =
 *      ceil(h / H) (then cropped or zero-padded to the exact size when ceil arithmetic
 *      leaves an off-by-one); a channel mismatch gets a linear 1×1 conv projection;
 *    - spatial into flat: global average pooling, then a linear dense projection when
 *      the channel count differs from the units;
 *    - flat into flat with different units: a linear dense projection.
 *    Addition (not concatenation) keeps the width of the network what the controller
 *    chose. A skip that is the main input itself is dropped rather than doubled.
 * 4. The head flattens a spatial output and ends in a linear dense layer with one logit
 *    per class (the loss applies the softmax).
 */
export function buildLayersModel(
  arch: LayersArchitecture,
  inputShape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): tfl.LayersModel {
  const init = new SeededInit(seed);
  const input = tfl.input({ shape: [...inputShape], name: 'input' });
  const outputs: Tensor[] = [];
  let current: Tensor = input;
  arch.layers.forEach((layer, i) => {
    const skips = collectSkips(layer, i, outputs, current);
    const merged = skips.length > 0 ? mergeSkips(current, skips, i, init) : current;
    current = applyLayer(layer, merged, i, init);
    outputs.push(current);
  });
  let head = current;
  if (isSpatial(head)) head = apply(tfl.layers.flatten({ name: 'head_flatten' }), head);
  const logits = apply(tfl.layers.dense({ units: numClasses, kernelInitializer: init.kernel('linear'), name: 'logits' }), head);
  return tfl.model({ inputs: input, outputs: logits, name: 'child' });
}

function collectSkips(layer: LayerNode, i: number, outputs: readonly Tensor[], current: Tensor): Tensor[] {
  const seen = new Set<Tensor>([current]);
  const result: Tensor[] = [];
  for (const j of layer.skips) {
    if (!Number.isInteger(j) || j < 0 || j >= i) {
      throw new RangeError(`layers[${i}].skips: ${j} is not an earlier layer (0..${i - 1})`);
    }
    const t = outputs[j];
    if (!seen.has(t)) {
      seen.add(t);
      result.push(t);
    }
  }
  return result;
}

function mergeSkips(main: Tensor, skips: readonly Tensor[], i: number, init: SeededInit): Tensor {
  const fitted = skips.map((s, k) => {
    const name = `l${i}_skip${k}`;
    if (isSpatial(main)) return fitChannels(fitSpatial(s, main, name), channels(main), name, init);
    let t = s;
    if (isSpatial(t)) t = apply(tfl.layers.globalAveragePooling2d({ name: `${name}_gap` }), t);
    const units = channels(main);
    if (channels(t) !== units) {
      t = apply(tfl.layers.dense({ units, useBias: false, kernelInitializer: init.kernel('linear'), name: `${name}_proj` }), t);
    }
    return t;
  });
  return apply(tfl.layers.add({ name: `l${i}_merge` }), [main, ...fitted]);
}

function fitSpatial(s: Tensor, main: Tensor, name: string): Tensor {
  const [h, w] = dims(s);
  const [H, W] = dims(main);
  let t = s;
  const fy = Math.max(1, Math.ceil(h / H));
  const fx = Math.max(1, Math.ceil(w / W));
  if (fy > 1 || fx > 1) {
    t = apply(tfl.layers.averagePooling2d({ poolSize: [fy, fx], strides: [fy, fx], padding: 'same', name: `${name}_pool` }), t);
  }
  const [h2, w2] = dims(t);
  if (h2 > H || w2 > W) {
    t = apply(tfl.layers.cropping2D({ cropping: [[0, Math.max(0, h2 - H)], [0, Math.max(0, w2 - W)]], name: `${name}_crop` }), t);
  }
  const [h3, w3] = dims(t);
  if (h3 < H || w3 < W) {
    t = apply(tfl.layers.zeroPadding2d({ padding: [[0, H - h3], [0, W - w3]], name: `${name}_pad` }), t);
  }
  return t;
}

function fitChannels(t: Tensor, c: number, name: string, init: SeededInit): Tensor {
  if (channels(t) === c) return t;
  return apply(
    tfl.layers.conv2d({ filters: c, kernelSize: 1, useBias: false, kernelInitializer: init.kernel('linear'), name: `${name}_proj` }),
    t,
  );
}

function applyLayer(layer: LayerNode, x: Tensor, i: number, init: SeededInit): Tensor {
  const name = `l${i}_${layer.type}`;
  switch (layer.type) {
    case 'conv2d':
      if (!isSpatial(x)) return x;
      return apply(
        tfl.layers.conv2d({
          filters: layer.filters,
          kernelSize: layer.kernelSize,
          strides: layer.stride,
          padding: 'same',
          activation: layer.activation,
          kernelInitializer: init.kernel(layer.activation),
          name,
        }),
        x,
      );
    case 'depthwiseConv2d':
      if (!isSpatial(x)) return x;
      return apply(
        tfl.layers.depthwiseConv2d({
          kernelSize: layer.kernelSize,
          strides: layer.stride,
          depthMultiplier: layer.depthMultiplier,
          padding: 'same',
          activation: layer.activation,
          depthwiseInitializer: init.kernel(layer.activation),
          name,
        }),
        x,
      );
    case 'maxPool':
    case 'avgPool': {
      if (!isSpatial(x)) return x;
      const [h, w] = dims(x);
      if (h === 1 && w === 1) return x;
      const args = { poolSize: layer.poolSize, strides: layer.stride, padding: 'same' as const, name };
      return apply(layer.type === 'maxPool' ? tfl.layers.maxPooling2d(args) : tfl.layers.averagePooling2d(args), x);
    }
    case 'dense': {
      const flat = isSpatial(x) ? apply(tfl.layers.flatten({ name: `${name}_flatten` }), x) : x;
      return apply(
        tfl.layers.dense({ units: layer.units, activation: layer.activation, kernelInitializer: init.kernel(layer.activation), name }),
        flat,
      );
    }
    case 'dropout':
      return apply(new SeededDropout({ rate: layer.rate, seed: init.dropoutSeed(), name }), x);
    case 'identity':
      return x;
  }
}

/** tfjs types `apply` as returning any tensor kind; on symbolic inputs it returns one symbolic tensor. */
export function apply(layer: tfl.layers.Layer, x: Tensor | Tensor[]): Tensor {
  return layer.apply(x) as Tensor;
}

export function isSpatial(t: Tensor): boolean {
  return t.shape.length === 4;
}

function dims(t: Tensor): [number, number] {
  return [t.shape[1] as number, t.shape[2] as number];
}

/** Channels of a spatial tensor, units of a flat one. */
export function channels(t: Tensor): number {
  return t.shape[t.shape.length - 1] as number;
}
