/**
 * NNI classic-NAS entries mapped onto the layers shape: each `layer_choice` is one layer
 * whose candidate op names (conv3x3, sepconv5x5, maxpool, identity, …) become layer types,
 * and an `input_choice` after it lets earlier layers feed it, as in NNI's ENAS macro space
 * (any subset of the candidates is summed in: graphnas skip connections).
 */
import type { LayerType } from './definition.js';
import type { SpaceError } from './errors.js';
import { isPlainObject, pointer } from './limits.js';
import { describe } from './values.js';

type Json = Record<string, unknown>;

export interface ImportedLayer {
  readonly key: string;
  readonly types: Json[];
  skipsFrom: number[];
}

interface MappedOp {
  readonly type: LayerType;
  readonly size?: number;
}

const RECOGNISED = 'conv3x3, conv5x5, conv2d, sepconv3x3, dwconv5x5, maxpool, maxpool3x3, avgpool, avgpool2x2, identity, skip, dense, linear, dropout';

function mapOp(name: string): MappedOp | undefined {
  const n = name.toLowerCase().replace(/[_\-\s]/g, '');
  const sized = /^([a-z]+?)(?:2d)?(?:(\d{1,2})x\2|(\d{1,2}))?$/.exec(n);
  if (sized === null) return undefined;
  const stem = sized[1];
  const size = sized[2] ?? sized[3];
  const withSize = (type: LayerType): MappedOp => (size === undefined ? { type } : { type, size: Number(size) });
  if (stem === 'conv' || stem === 'norconv') return withSize('conv2d');
  if (['sepconv', 'dwconv', 'depthwiseconv', 'separableconv', 'depthwise'].includes(stem)) return withSize('depthwiseConv2d');
  if (['maxpool', 'maxpooling'].includes(stem)) return withSize('maxPool');
  if (['avgpool', 'avgpooling', 'averagepool', 'averagepooling'].includes(stem)) return withSize('avgPool');
  if (size !== undefined) return undefined;
  if (['identity', 'skip', 'skipconnect', 'skipconnection', 'id', 'noop'].includes(stem)) return { type: 'identity' };
  if (['dense', 'linear', 'fc', 'fullyconnected'].includes(stem)) return { type: 'dense' };
  if (stem === 'dropout') return { type: 'dropout' };
  return undefined;
}

export function convertLayerChoice(
  key: string,
  spec: Json,
  path: string,
  defaults: { readonly filters?: number; readonly units?: number; readonly rate?: number },
  errors: SpaceError[],
  warnings: string[],
): ImportedLayer | undefined {
  const ops = spec._value;
  if (!Array.isArray(ops) || ops.length === 0) {
    errors.push({ path: pointer(path, '_value'), message: 'layer_choice takes a non-empty list of op names' });
    return undefined;
  }
  const sizes = new Map<LayerType, number[]>();
  let failed = false;
  ops.forEach((op: unknown, i) => {
    const mapped = typeof op === 'string' ? mapOp(op) : undefined;
    if (mapped === undefined) {
      errors.push({ path: pointer(pointer(path, '_value'), i), message: `cannot map op ${describe(op)} to a graphnas layer type (recognised: ${RECOGNISED})` });
      failed = true;
      return;
    }
    const list = sizes.get(mapped.type) ?? [];
    const size = mapped.size ?? (mapped.type === 'maxPool' || mapped.type === 'avgPool' ? 2 : 3);
    if (list.includes(size) || (mapped.size === undefined && ['identity', 'dense', 'dropout'].includes(mapped.type) && sizes.has(mapped.type))) {
      warnings.push(`${key}: op ${String(op)} duplicates another candidate and was merged with it`);
    } else {
      list.push(size);
    }
    sizes.set(mapped.type, list);
  });
  if (failed) return undefined;
  const types: Json[] = [];
  for (const [type, list] of sizes) {
    switch (type) {
      case 'conv2d':
        types.push({ type, filters: defaults.filters ?? 32, kernelSize: list });
        break;
      case 'depthwiseConv2d':
        types.push({ type, kernelSize: list });
        break;
      case 'maxPool':
      case 'avgPool':
        types.push({ type, poolSize: list, stride: 1 });
        break;
      case 'dense':
        types.push({ type, units: defaults.units ?? 128 });
        break;
      case 'dropout':
        types.push({ type, rate: defaults.rate ?? 0.5 });
        break;
      case 'identity':
        types.push({ type });
        break;
    }
  }
  return { key, types, skipsFrom: [] };
}

export function attachInputChoice(spec: Json, path: string, layers: ImportedLayer[], errors: SpaceError[], warnings: string[]): void {
  const at = pointer(path, '_value');
  const value = spec._value;
  const layer = layers[layers.length - 1];
  if (layer === undefined) {
    errors.push({ path, message: 'an input_choice must follow the layer_choice of the layer it feeds' });
    return;
  }
  if (!isPlainObject(value) || !Array.isArray(value.candidates)) {
    errors.push({ path: at, message: 'input_choice takes {"candidates": [layer keys], "n_chosen": null}' });
    return;
  }
  if (value.n_chosen !== undefined && value.n_chosen !== null) {
    errors.push({
      path: pointer(at, 'n_chosen'),
      message: `n_chosen = ${describe(value.n_chosen)} picks exactly that many inputs; graphnas skip connections are independent on/off choices, so only n_chosen null (any subset) maps`,
    });
    return;
  }
  const i = layers.length - 1;
  value.candidates.forEach((candidate: unknown, k) => {
    const j = layers.findIndex((l) => l.key === candidate);
    if (j < 0 || j >= i) {
      errors.push({ path: pointer(pointer(at, 'candidates'), k), message: `must name the layer_choice of an earlier layer than ${layer.key} (got ${describe(candidate)})` });
    } else if (j === i - 1) {
      warnings.push(`${layer.key}: candidate ${String(candidate)} is the previous layer, which always feeds it in graphnas; dropped`);
    } else if (!layer.skipsFrom.includes(j)) {
      layer.skipsFrom.push(j);
    }
  });
  layer.skipsFrom.sort((a, b) => a - b);
}
