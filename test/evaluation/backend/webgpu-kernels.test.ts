/**
 * Every operation the child-network builders emit, forward and backward, on the WebGPU
 * backend against the CPU backend: relative error ≤ 1e-4 (max |a − b| / max |b|).
 *
 * CPU forwarding is switched off here: with it, tfjs-backend-webgpu runs small ops whose
 * inputs still live in host memory on the CPU, and the kernels under test would never
 * see the GPU. The training tests keep the default.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Tensor } from '@tensorflow/tfjs-core';
import type { Activation } from '../../../src/space/types.js';
import { webGpuForTests } from './webgpu-adapter.js';

const TOLERANCE = 1e-4;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

function values(r: () => number, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** max |a − b| / max |b|: per-element ratios blow up on entries that sum to ~0. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let diff = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] ?? NaN) - (expected[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(expected[i] ?? 0));
  }
  return diff / scale;
}

async function runOn(backend: 'cpu' | 'webgpu', f: () => Tensor[]): Promise<{ outputs: Float32Array[]; leaked: number }> {
  assert.ok(await tf.setBackend(backend));
  const before = tf.memory().numTensors;
  const results = f();
  const outputs = await Promise.all(results.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(results);
  return { outputs, leaked: tf.memory().numTensors - before };
}

async function compare(label: string, f: () => Tensor[]): Promise<number> {
  const cpu = await runOn('cpu', f);
  const gpu = await runOn('webgpu', f);
  assert.equal(gpu.leaked, 0, `${label}: leaked tensors on webgpu`);
  assert.equal(gpu.outputs.length, cpu.outputs.length);
  let worst = 0;
  gpu.outputs.forEach((o, i) => {
    const e = relativeError(o, cpu.outputs[i] ?? new Float32Array());
    worst = Math.max(worst, e);
    assert.ok(e <= TOLERANCE, `${label}: output ${i} relative error ${e}`);
  });
  return worst;
}

/** A loss whose gradient differs at every output position, so misplaced terms show. */
function weightedSum(y: Tensor): Tensor {
  return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
}

type Pad = 'same' | 'valid';

describe('webgpu kernels against the CPU backend', async () => {
  const webgpu = await webGpuForTests();
  const worst: Record<string, number> = {};
  const record = (op: string, e: number): void => {
    worst[op] = Math.max(worst[op] ?? 0, e);
  };
  let forward: unknown;

  before(() => {
    if (webgpu.skip) return;
    forward = tf.env().get('WEBGPU_CPU_FORWARD');
    tf.env().set('WEBGPU_CPU_FORWARD', false);
  });
  after(() => {
    if (forward !== undefined) tf.env().set('WEBGPU_CPU_FORWARD', forward as boolean);
    console.log(`# webgpu vs cpu, worst relative error per op: ${JSON.stringify(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, Number(v.toExponential(1))])))}`);
  });
  const skip = webgpu.skip ?? false;

  test('conv2d forward and both gradients, fused bias and activation, strides and paddings', { skip }, async () => {
    const r = rng(7);
    for (let i = 0; i < 12; i++) {
      const [n, c, co, k, s] = [int(r, 1, 3), int(r, 1, 9), int(r, 1, 12), [1, 3, 5][i % 3] ?? 3, int(r, 1, 2)];
      const [h, w] = [k + int(r, 1, 10), k + int(r, 1, 10)];
      const pad: Pad = i % 2 === 0 ? 'same' : 'valid';
      const xv = values(r, n * h * w * c);
      const fv = values(r, k * k * c * co);
      const bv = values(r, co);
      const label = `conv2d ${JSON.stringify({ n, h, w, c, co, k, s, pad })}`;
      record('conv2d', await compare(label, () => tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const f = tf.tensor4d(fv, [k, k, c, co]);
        const b = tf.tensor1d(bv);
        const plain = tf.grads((a: Tensor, g: Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, g as tf.Tensor4D, s, pad)))([x, f]);
        const fused = tf.grads((a: Tensor, g: Tensor, bias: Tensor) =>
          weightedSum(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: g as tf.Tensor4D, strides: s, pad, bias, activation: 'relu' })))([x, f, b]);
        return [tf.conv2d(x, f, s, pad), ...plain, ...fused];
      })));
    }
  });

  test('depthwise and separable convolutions, forward and backward, with multipliers and strides', { skip }, async () => {
    const r = rng(11);
    for (let i = 0; i < 10; i++) {
      const [n, c, mult, k, s] = [int(r, 1, 2), int(r, 1, 6), int(r, 1, 2), [3, 5][i % 2] ?? 3, int(r, 1, 2)];
      const [h, w] = [k + int(r, 1, 9), k + int(r, 1, 9)];
      const pad: Pad = i % 3 === 0 ? 'valid' : 'same';
      const co = int(r, 1, 8);
      const xv = values(r, n * h * w * c);
      const dv = values(r, k * k * c * mult);
      const pv = values(r, c * mult * co);
      const label = `depthwise/separable ${JSON.stringify({ n, h, w, c, mult, k, s, pad, co })}`;
      record('depthwise/separable', await compare(label, () => tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const d = tf.tensor4d(dv, [k, k, c, mult]);
        const p = tf.tensor4d(pv, [1, 1, c * mult, co]);
        const depthwise = tf.grads((a: Tensor, g: Tensor) => weightedSum(tf.depthwiseConv2d(a as tf.Tensor4D, g as tf.Tensor4D, s, pad)))([x, d]);
        const separable = tf.grads((a: Tensor, g: Tensor, q: Tensor) =>
          weightedSum(tf.separableConv2d(a as tf.Tensor4D, g as tf.Tensor4D, q as tf.Tensor4D, s, pad)))([x, d, p]);
        return [tf.depthwiseConv2d(x, d, s, pad), ...depthwise, ...separable];
      })));
    }
  });

  test('max and average pooling, forward and backward, ties included (MaxPoolGrad replaced); global average pooling', { skip }, async () => {
    const r = rng(3);
    for (let i = 0; i < 16; i++) {
      const [n, h, w, c, p, s] = [int(r, 1, 2), int(r, 3, 12), int(r, 3, 12), int(r, 1, 8), int(r, 2, 3), int(r, 1, 2)];
      const pad: Pad = i % 2 === 0 ? 'same' : 'valid';
      // Half the cases are ReLU-like (many exact zeros), where windows tie on their maximum:
      // the shipped kernel sent those gradients to the window's last maximum.
      const relu = (i >> 1) % 2 === 0;
      const xv = values(r, n * h * w * c).map((v) => (relu ? Math.max(0, v) : v));
      record('pooling', await compare(`pool ${JSON.stringify({ n, h, w, c, p, s, pad, relu })}`, () => tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        return [
          tf.maxPool(x, p, s, pad),
          tf.avgPool(x, p, s, pad),
          tf.grad((a: Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, p, s, pad)))(x),
          tf.grad((a: Tensor) => weightedSum(tf.avgPool(a as tf.Tensor4D, p, s, pad)))(x),
          tf.grad((a: Tensor) => weightedSum(tf.mean(a, [1, 2])))(x),
        ];
      })));
    }
    // Windows of -Inf and NaN pass nothing on, as on the CPU backend.
    const special = [-Infinity, -Infinity, 1, NaN, -Infinity, -Infinity, 2, 3, NaN, NaN, -5, 0, NaN, NaN, 4, 4];
    record('pooling', await compare('maxPool gradient over -Inf and NaN windows', () => tf.tidy(() => [
      tf.grad((a: Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d(special, [1, 4, 4, 1])),
    ])));
  });

  test('batch normalisation in training form (moments, normalise, scale and shift) and its gradients', { skip }, async () => {
    const r = rng(5);
    for (const [n, h, w, c] of [[4, 6, 6, 3], [2, 9, 7, 16], [8, 3, 3, 32]] as const) {
      const xv = values(r, n * h * w * c).map((v) => v * 3 + 1);
      const gv = values(r, c);
      const bv = values(r, c);
      record('batchNorm', await compare(`batchNorm ${JSON.stringify({ n, h, w, c })}`, () => tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const gamma = tf.tensor1d(gv);
        const beta = tf.tensor1d(bv);
        const bn = (a: Tensor, g: Tensor, b: Tensor): Tensor => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          return tf.batchNorm(a, mean, variance, b, g, 1e-3);
        };
        return [bn(x, gamma, beta), ...tf.grads((a: Tensor, g: Tensor, b: Tensor) => weightedSum(bn(a, g, b)))([x, gamma, beta])];
      })));
    }
  });

  test('dense layers: matMul with fused bias and activation, every activation of the search spaces, and their gradients', { skip }, async () => {
    const r = rng(13);
    // tfjs-layers' own activation functions, as the builders apply them.
    const names: Activation[] = ['relu', 'elu', 'gelu', 'swish', 'tanh', 'sigmoid'];
    const activations = names.map((activation) => {
      const layer = tfl.layers.activation({ activation });
      return (t: Tensor): Tensor => layer.apply(t) as Tensor;
    });
    for (const [m, k, n] of [[64, 300, 10], [7, 33, 128], [128, 64, 64]] as const) {
      const av = values(r, m * k);
      const wv = values(r, k * n);
      const bv = values(r, n);
      record('dense', await compare(`dense ${JSON.stringify({ m, k, n })}`, () => tf.tidy(() => {
        const a = tf.tensor2d(av, [m, k]);
        const wt = tf.tensor2d(wv, [k, n]);
        const b = tf.tensor1d(bv);
        const fused = tf.grads((x: Tensor, y: Tensor, z: Tensor) =>
          weightedSum(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: z, activation: 'relu' })))([a, wt, b]);
        const perActivation = activations.flatMap((act) =>
          tf.grads((x: Tensor, y: Tensor) => weightedSum(act(tf.add(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), b))))([a, wt]));
        return [...fused, ...perActivation];
      })));
    }
  });

  test('merges and plumbing: add, concat, zeros, identity, flatten, crop and pad, gather, one-hot and the softmax cross-entropy', { skip }, async () => {
    const r = rng(17);
    const [n, h, w, c] = [3, 7, 5, 4];
    const av = values(r, n * h * w * c);
    const bv = values(r, n * h * w * c);
    const lv = values(r, 6 * 10);
    record('plumbing', await compare('merges', () => tf.tidy(() => {
      const a = tf.tensor4d(av, [n, h, w, c]);
      const b = tf.tensor4d(bv, [n, h, w, c]);
      const merged = tf.grads((x: Tensor, y: Tensor) => weightedSum(tf.concat([tf.add(x, y), tf.zerosLike(x), x, tf.addN([x, y, x])], 3)))([a, b]);
      const cropped = tf.grad((x: Tensor) => weightedSum(tf.pad(tf.slice(x, [0, 1, 0, 0], [n, h - 2, w - 1, c]), [[0, 0], [1, 1], [0, 1], [0, 0]])))(a);
      const flat = tf.grad((x: Tensor) => weightedSum(tf.reshape(x, [n, -1])))(a);
      const rows = tf.gather(a, tf.tensor1d([2, 0, 0], 'int32'));
      const logits = tf.tensor2d(lv, [6, 10]);
      const labels = tf.oneHot(tf.tensor1d([1, 0, 9, 3, 3, 7], 'int32'), 10);
      const loss = tf.grad((x: Tensor) => tf.losses.softmaxCrossEntropy(labels, x))(logits);
      return [...merged, cropped, flat, rows, tf.cast(labels, 'float32'), tf.losses.softmaxCrossEntropy(labels, logits), loss];
    })));
  });

  test('dropout with a seed draws the same mask on both backends', { skip }, async () => {
    const r = rng(19);
    const xv = values(r, 4 * 300);
    record('dropout', await compare('dropout', () => tf.tidy(() => {
      const x = tf.tensor2d(xv, [4, 300]);
      return [tf.dropout(x, 0.3, undefined, 42), tf.grad((a: Tensor) => weightedSum(tf.dropout(a, 0.3, undefined, 42)))(x)];
    })));
  });
});
