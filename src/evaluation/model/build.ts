import type * as tfl from '@tensorflow/tfjs-layers';
import type { Architecture } from '../../space/types.js';
import { buildCellModel } from './cell-builder.js';
import { buildLayersModel } from './layers-builder.js';

/**
 * A trainable child network (outputs logits) for either kind of architecture. The input
 * shape and class count come from the dataset, never from the architecture, so the same
 * architecture trains at any proxy resolution.
 */
export function buildChildNetwork(
  arch: Architecture,
  inputShape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): tfl.LayersModel {
  return arch.kind === 'layers' ? buildLayersModel(arch, inputShape, numClasses, seed) : buildCellModel(arch, inputShape, numClasses, seed);
}
