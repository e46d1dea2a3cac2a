import * as tfl from '@tensorflow/tfjs-layers';
import type { CellArchitecture } from '../../space/types.js';
import { SeededInit } from './init.js';
import { apply, channels } from './layers-builder.js';
import { ZerosLike } from './zeros-layer.js';

type Tensor = tfl.SymbolicTensor;

/**
 * Moving statistics with the Keras default (0.99) barely move in a proxy run of a few
 * hundred steps, and inference with stale statistics makes validation accuracy
 * meaningless; 0.9 converges within the first epoch.
 */
const BN_MOMENTUM = 0.9;

const CONV_OP = /^nor_conv_(\d+)x(\d+)$/;
export const CELL_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;

/**
 * The NAS-Bench-201 skeleton: stem conv 3×3 + BN; `channels.length` stacks of
 * `cellsPerStack` cells, a residual reduction block (ReLU-Conv3×3/2-BN, ReLU-Conv3×3-BN,
 * shortcut avg-pool 2×2/2 + 1×1 conv) between stacks; BN, ReLU, global average pooling
 * and a linear classifier. When `stemChannels` differs from the first stack's width a
 * ReLU-Conv1×1-BN adapts it (NAS-Bench-201 itself has them equal).
 */
export function buildCellModel(
  arch: CellArchitecture,
  inputShape: readonly [number, number, number],
  numClasses: number,
  seed: number,
): tfl.LayersModel {
  validateCell(arch);
  const { stemChannels, channels: widths, cellsPerStack } = arch.skeleton;
  const init = new SeededInit(seed);
  const input = tfl.input({ shape: [...inputShape], name: 'input' });
  let x = apply(
    tfl.layers.conv2d({ filters: stemChannels, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init.kernel(), name: 'stem_conv' }),
    input,
  );
  x = apply(tfl.layers.batchNormalization({ momentum: BN_MOMENTUM, name: 'stem_bn' }), x);
  widths.forEach((c, s) => {
    if (s > 0) x = reductionBlock(x, c, `s${s}_reduce`, init);
    else if (c !== stemChannels) x = reluConvBn(x, c, 1, 1, `s0_adapt`, init);
    for (let k = 0; k < cellsPerStack; k++) x = cell(arch, x, c, `s${s}c${k}`, init);
  });
  x = apply(tfl.layers.batchNormalization({ momentum: BN_MOMENTUM, name: 'last_bn' }), x);
  x = apply(tfl.layers.activation({ activation: 'relu', name: 'last_relu' }), x);
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'gap' }), x);
  const logits = apply(tfl.layers.dense({ units: numClasses, kernelInitializer: init.kernel('linear'), name: 'logits' }), x);
  return tfl.model({ inputs: input, outputs: logits, name: 'child' });
}

export function validateCell(arch: CellArchitecture): void {
  const { nodes, edges, skeleton } = arch;
  if (!Number.isInteger(nodes) || nodes < 2) throw new RangeError(`cell.nodes must be an integer ≥ 2, got ${nodes}`);
  edges.forEach((e, i) => {
    if (!Number.isInteger(e.from) || !Number.isInteger(e.to) || e.from < 0 || e.to >= nodes || e.from >= e.to) {
      throw new RangeError(`cell.edges[${i}]: ${e.from}→${e.to} must satisfy 0 ≤ from < to < ${nodes}`);
    }
    if (!(CELL_OPS as readonly string[]).includes(e.op) && !CONV_OP.test(e.op)) {
      throw new RangeError(`cell.edges[${i}].op: unknown op ${JSON.stringify(e.op)} (known: ${CELL_OPS.join(', ')}, nor_conv_KxK)`);
    }
  });
  if (skeleton.channels.length === 0) throw new RangeError('cell.skeleton.channels must not be empty');
  const positive: [string, number][] = [['stemChannels', skeleton.stemChannels], ...skeleton.channels.map((c, i): [string, number] => [`channels[${i}]`, c])];
  for (const [field, v] of positive) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`cell.skeleton.${field} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(skeleton.cellsPerStack) || skeleton.cellsPerStack < 0) {
    throw new RangeError(`cell.skeleton.cellsPerStack must be a non-negative integer, got ${skeleton.cellsPerStack}`);
  }
}

/**
 * Nodes whose value reaches the cell's output through non-`none` edges. The others are
 * dead: a layer built for them would hold weights that no model owns (model.dispose never
 * frees them, so every trial of such a cell leaked its dead branch's tensors).
 */
function liveNodes(arch: CellArchitecture): boolean[] {
  const live = Array.from({ length: arch.nodes }, (_, j) => j === arch.nodes - 1);
  for (let j = arch.nodes - 2; j >= 0; j--) live[j] = arch.edges.some((e) => e.from === j && e.op !== 'none' && live[e.to]);
  return live;
}

/** Node j = Σ over edges i→j of op(node i); `none` edges are left out of the sum. */
function cell(arch: CellArchitecture, input: Tensor, c: number, name: string, init: SeededInit): Tensor {
  const nodes: Tensor[] = [input];
  const live = liveNodes(arch);
  for (let j = 1; j < arch.nodes; j++) {
    if (!live[j]) {
      // Not built, but its convolutions still draw their initialiser seeds, so the live layers
      // after it are initialised exactly as when dead branches were built.
      arch.edges.forEach((e) => {
        if (e.to === j && CONV_OP.test(e.op)) init.nextSeed();
      });
      nodes.push(input);
      continue;
    }
    const terms: Tensor[] = [];
    arch.edges.forEach((e, k) => {
      if (e.to !== j || e.op === 'none') return;
      terms.push(edgeOp(e.op, nodes[e.from], c, `${name}_e${k}`, init));
    });
    if (terms.length === 0) nodes.push(apply(new ZerosLike({ name: `${name}_n${j}_zero` }), input));
    else if (terms.length === 1) nodes.push(terms[0]);
    else nodes.push(apply(tfl.layers.add({ name: `${name}_n${j}` }), terms));
  }
  return nodes[arch.nodes - 1];
}

function edgeOp(op: string, x: Tensor, c: number, name: string, init: SeededInit): Tensor {
  if (op === 'skip_connect') return x;
  if (op === 'avg_pool_3x3') return apply(tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: `${name}_pool` }), x);
  const m = CONV_OP.exec(op);
  if (!m || m[1] !== m[2]) throw new RangeError(`unsupported cell op ${op}`);
  return reluConvBn(x, c, Number(m[1]), 1, name, init);
}

function reluConvBn(x: Tensor, c: number, k: number, stride: number, name: string, init: SeededInit): Tensor {
  let t = apply(tfl.layers.activation({ activation: 'relu', name: `${name}_relu` }), x);
  t = apply(
    tfl.layers.conv2d({ filters: c, kernelSize: k, strides: stride, padding: 'same', useBias: false, kernelInitializer: init.kernel(), name: `${name}_conv` }),
    t,
  );
  return apply(tfl.layers.batchNormalization({ momentum: BN_MOMENTUM, name: `${name}_bn` }), t);
}

function reductionBlock(x: Tensor, c: number, name: string, init: SeededInit): Tensor {
  const a = reluConvBn(x, c, 3, 2, `${name}_a`, init);
  const b = reluConvBn(a, c, 3, 1, `${name}_b`, init);
  let shortcut = apply(tfl.layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same', name: `${name}_pool` }), x);
  if (channels(shortcut) !== c) {
    shortcut = apply(
      tfl.layers.conv2d({ filters: c, kernelSize: 1, useBias: false, kernelInitializer: init.kernel('linear'), name: `${name}_proj` }),
      shortcut,
    );
  }
  return apply(tfl.layers.add({ name: `${name}_add` }), [shortcut, b]);
}
