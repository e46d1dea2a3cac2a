import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';
import { MISSING_WASM_KERNELS, registerWasmTrainingKernels } from '../../../src/evaluation/backend/index.js';

const TOLERANCE = 1e-4;

/** Park–Miller, so a failing case can be replayed from its printed parameters. */
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

interface Run {
  readonly outputs: Float32Array[];
  readonly leakedTensors: number;
  readonly leakedDataIds: number;
}

/** Runs `f` on a backend and reads its outputs back, counting what it left behind. */
async function runOn(backend: 'cpu' | 'wasm', f: () => Tensor[]): Promise<Run> {
  assert.ok(await tf.setBackend(backend));
  const tensorsBefore = tf.memory().numTensors;
  const dataIdsBefore = tf.engine().backend.numDataIds();
  const results = f();
  const outputs = results.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(results);
  return {
    outputs,
    leakedTensors: tf.memory().numTensors - tensorsBefore,
    leakedDataIds: tf.engine().backend.numDataIds() - dataIdsBefore,
  };
}

async function compare(label: string, f: () => Tensor[]): Promise<number[]> {
  const cpu = await runOn('cpu', f);
  const wasm = await runOn('wasm', f);
  assert.equal(wasm.leakedTensors, 0, `${label}: leaked tensors on wasm`);
  assert.equal(wasm.leakedDataIds, 0, `${label}: leaked wasm buffers`);
  const errors = wasm.outputs.map((o, i) => relativeError(o, cpu.outputs[i] ?? new Float32Array()));
  errors.forEach((e, i) => assert.ok(e <= TOLERANCE, `${label}: output ${i} relative error ${e}`));
  return errors;
}

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  n: number; h: number; w: number; c: number; co: number; kh: number; kw: number;
  sh: number; sw: number; pad: Pad; mult: number;
}

function randomConvCase(r: () => number): ConvCase {
  const kh = int(r, 1, 4);
  const kw = int(r, 1, 4);
  const sh = int(r, 1, 3);
  const sw = r() < 0.5 ? sh : int(r, 1, 3);
  const base = { n: int(r, 1, 3), h: kh + int(r, 1, 9), w: kw + int(r, 1, 9), c: int(r, 1, 4), co: int(r, 1, 5), mult: int(r, 1, 2) };
  const kind = int(r, 0, 3);
  if (kind === 2) {
    // tfjs-core sizes a numeric pad's output from the filter height and row stride
    // alone; with a non-square window its shape disagrees with what XNNPACK writes and the
    // wasm forward conv corrupts memory. Numeric pads therefore only with square windows.
    const k = kh;
    return { ...base, kh: k, kw: k, sh, sw: sh, w: Math.max(base.w, k + 1), pad: int(r, 0, 2) };
  }
  const pad: Pad = kind === 0 ? 'same' : kind === 1 ? 'valid' : [[0, 0], [int(r, 0, 2), int(r, 0, 2)], [int(r, 0, 2), int(r, 0, 2)], [0, 0]];
  return { ...base, kh, kw, sh, sw, pad };
}

/** A loss whose gradient differs at every output position, so misplaced terms show. */
function weightedSum(y: Tensor): Tensor {
  return tf.sum(tf.mul(y, tf.sin(tf.reshape(tf.range(0, y.size), y.shape))));
}

describe('wasm training kernels', () => {
  before(async () => {
    registerWasmTrainingKernels();
    assert.ok(await tf.setBackend('wasm'));
  });

  test('registers what tfjs-backend-wasm lacks, once', () => {
    const first = registerWasmTrainingKernels();
    assert.equal(registerWasmTrainingKernels(), first);
    for (const name of MISSING_WASM_KERNELS) assert.ok(tf.getKernel(name, 'wasm'), name);
    assert.deepEqual([...first.added, ...first.skipped].sort(), [...MISSING_WASM_KERNELS].sort());
    assert.deepEqual([...first.replaced].sort(), ['BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad', 'OneHot']);
  });

  test('conv2d gradients (Conv2DBackpropFilter, Conv2DBackpropInput) match the CPU backend', async () => {
    const r = rng(7);
    for (let i = 0; i < 32; i++) {
      // Every fourth case has enough input channels for the filter gradient to take the
      // role-swapped convolution rather than the explicit im2col product.
      const k = i % 4 === 3 ? { ...randomConvCase(r), c: int(r, 8, 12) } : randomConvCase(r);
      const x = values(r, k.n * k.h * k.w * k.c);
      const w = values(r, k.kh * k.kw * k.c * k.co);
      await compare(`conv2d ${JSON.stringify(k)}`, () => tf.tidy(() => {
        const xt = tf.tensor4d(x, [k.n, k.h, k.w, k.c]);
        const wt = tf.tensor4d(w, [k.kh, k.kw, k.c, k.co]);
        return tf.grads((a: Tensor, b: Tensor) => weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, [k.sh, k.sw], k.pad)))([xt, wt]);
      }));
    }
  });

  test('depthwiseConv2d gradients (…BackpropFilter, …BackpropInput) match the CPU backend', async () => {
    const r = rng(11);
    for (let i = 0; i < 24; i++) {
      const k = randomConvCase(r);
      const x = values(r, k.n * k.h * k.w * k.c);
      const w = values(r, k.kh * k.kw * k.c * k.mult);
      await compare(`depthwise ${JSON.stringify(k)}`, () => tf.tidy(() => {
        const xt = tf.tensor4d(x, [k.n, k.h, k.w, k.c]);
        const wt = tf.tensor4d(w, [k.kh, k.kw, k.c, k.mult]);
        return tf.grads((a: Tensor, b: Tensor) => weightedSum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, [k.sh, k.sw], k.pad)))([xt, wt]);
      }));
    }
  });

  test('kernels called directly: dilated depthwise and NCHW conv match their CPU references', async () => {
    // tf.grad refuses dilated depthwise convs and the wasm forward conv has no NCHW, but
    // the kernels accept both, so call them through engine.runKernel. The CPU backend's
    // depthwise backprop kernels ignore dilations, so the reference there is tf.grad of a
    // stride-1 depthwise conv with the filter spread out by zeros (the same function).
    const r = rng(23);
    const run = (name: string, inputs: NamedTensorMap, attrs: object): Tensor =>
      tf.engine().runKernel(name, inputs, attrs as unknown as NamedAttrMap) as Tensor;
    for (let i = 0; i < 12; i++) {
      const [n, c, mult, kh, kw, d] = [int(r, 1, 2), int(r, 1, 3), int(r, 1, 2), int(r, 1, 3), int(r, 1, 3), int(r, 2, 3)];
      const h = (kh - 1) * d + int(r, 1, 6);
      const w = (kw - 1) * d + int(r, 1, 6);
      const pad = r() < 0.5 ? 'same' : 'valid';
      const xv = values(r, n * h * w * c);
      const fv = values(r, kh * kw * c * mult);
      const label = `dilated depthwise ${JSON.stringify({ n, h, w, c, mult, kh, kw, d, pad })}`;
      const inputs = () => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        const f = tf.tensor4d(fv, [kh, kw, c, mult]);
        const y = tf.depthwiseConv2d(x, f, 1, pad, 'NHWC', d);
        return { x, f, dy: tf.sin(tf.reshape(tf.range(0, y.size), y.shape)) };
      };
      assert.ok(await tf.setBackend('cpu'));
      const expected = tf.tidy(() => {
        const { x, f, dy } = inputs();
        const spread = tf.buffer<tf.Rank.R4>([(kh - 1) * d + 1, (kw - 1) * d + 1, c, mult]);
        const fb = f.bufferSync();
        for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) for (let ch = 0; ch < c; ch++) for (let m = 0; m < mult; m++) {
          spread.set(fb.get(a, b, ch, m), a * d, b * d, ch, m);
        }
        const loss = (xx: Tensor, ff: Tensor): Tensor => tf.sum(tf.mul(tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 1, pad), dy));
        const [dx, dSpread] = tf.grads(loss)([x, spread.toTensor()]) as [Tensor, tf.Tensor4D];
        return [dx, tf.stridedSlice(dSpread, [0, 0, 0, 0], dSpread.shape, [d, d, 1, 1])].map((t) => Float32Array.from(t.dataSync()));
      });
      const wasm = await runOn('wasm', () => tf.tidy(() => {
        const { x, f, dy } = inputs();
        const common = { strides: 1, dilations: d, pad };
        return [
          run('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { ...common, inputShape: x.shape }),
          run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: f.shape }),
        ];
      }));
      assert.equal(wasm.leakedTensors, 0, label);
      wasm.outputs.forEach((o, j) => {
        const e = relativeError(o, expected[j] ?? new Float32Array());
        assert.ok(e <= TOLERANCE, `${label}: output ${j} relative error ${e}`);
      });
    }
    for (let i = 0; i < 6; i++) {
      const k = randomConvCase(r);
      if (typeof k.pad !== 'string') continue;
      const xv = values(r, k.n * k.h * k.w * k.c);
      const fv = values(r, k.kh * k.kw * k.c * k.co);
      const attrs = { strides: [k.sh, k.sw], pad: k.pad, dataFormat: 'NCHW' };
      await compare(`NCHW conv ${JSON.stringify(k)}`, () => tf.tidy(() => {
        const xNhwc = tf.tensor4d(xv, [k.n, k.h, k.w, k.c]);
        const f = tf.tensor4d(fv, [k.kh, k.kw, k.c, k.co]);
        const x = tf.transpose(xNhwc, [0, 3, 1, 2]);
        const yNhwc = tf.conv2d(xNhwc, f, [k.sh, k.sw], k.pad);
        const dy = tf.transpose(tf.sin(tf.reshape(tf.range(0, yNhwc.size), yNhwc.shape)), [0, 3, 1, 2]);
        return [
          run('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }),
          run('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: x.shape }),
        ];
      }));
    }
  });

  test('matMul with transposed operands (BatchMatMul replaced) matches the CPU backend, batched and broadcast', async () => {
    const r = rng(5);
    const shapes: Array<[number[], number[]]> = [[[7, 5], [5, 3]], [[4, 6, 5], [4, 5, 2]], [[1, 3, 4], [2, 4, 6]], [[64, 30], [30, 16]]];
    for (const [sa, sb] of shapes) {
      for (const [ta, tb] of [[true, false], [false, true], [true, true]] as const) {
        const swap = (s: number[]): number[] => [...s.slice(0, -2), s[s.length - 1] ?? 0, s[s.length - 2] ?? 0];
        const a = values(r, sa.reduce((p, q) => p * q, 1));
        const b = values(r, sb.reduce((p, q) => p * q, 1));
        await compare(`matMul ${JSON.stringify({ sa, sb, ta, tb })}`, () => tf.tidy(() => [
          tf.matMul(tf.tensor(a, ta ? swap(sa) : sa), tf.tensor(b, tb ? swap(sb) : sb), ta, tb),
        ]));
      }
    }
  });

  test('UnsortedSegmentSum matches the CPU backend, including out-of-range ids and the gather gradient', async () => {
    const r = rng(5);
    for (let i = 0; i < 10; i++) {
      const n = int(r, 1, 12);
      const rest = [int(r, 1, 4), int(r, 1, 3)];
      const segments = int(r, 1, 6);
      const xv = values(r, n * rest[0]! * rest[1]!);
      const ids = Int32Array.from({ length: n }, () => int(r, -1, segments));
      await compare(`unsortedSegmentSum n=${n} rest=${rest} segments=${segments} ids=${ids}`, () => tf.tidy(() => [
        tf.unsortedSegmentSum(tf.tensor3d(xv, [n, rest[0]!, rest[1]!]), tf.tensor1d(ids, 'int32'), segments),
      ]));
    }
    const table = values(r, 10 * 3);
    await compare('gather gradient (embedding lookup)', () => tf.tidy(() => [
      tf.grad((t: Tensor) => weightedSum(tf.gather(t, tf.tensor1d([1, 4, 4, 9, 0, 1], 'int32'))))(tf.tensor2d(table, [10, 3])),
    ]));
  });

  test('pooling gradients match the CPU backend (MaxPoolGrad replaced, AvgPoolGrad as shipped), ties included', async () => {
    const r = rng(3);
    for (let i = 0; i < 24; i++) {
      const [n, h, w, c, p, s] = [int(r, 1, 2), int(r, 3, 9), int(r, 3, 9), int(r, 1, 3), int(r, 2, 3), int(r, 1, 2)];
      const pad = r() < 0.5 ? 'same' : 'valid';
      // Half the cases are ReLU-like (many exact zeros), where windows tie on their maximum.
      const relu = i % 2 === 0;
      const xv = values(r, n * h * w * c).map((v) => (relu ? Math.max(0, v) : v));
      await compare(`pool ${JSON.stringify({ n, h, w, c, p, s, pad, relu })}`, () => tf.tidy(() => {
        const x = tf.tensor4d(xv, [n, h, w, c]);
        return [
          tf.grad((a: Tensor) => weightedSum(tf.maxPool(a as tf.Tensor4D, p, s, pad)))(x),
          tf.grad((a: Tensor) => weightedSum(tf.avgPool(a as tf.Tensor4D, p, s, pad)))(x),
        ];
      }));
    }
  });

  test('OneHot gives real float values (wasm wrote int32 bit patterns) and keeps int32 working', async () => {
    await compare('oneHot', () => tf.tidy(() => {
      const ids = tf.tensor2d([[0, 3], [2, -1], [5, 1]], [3, 2], 'int32');
      return [tf.oneHot(ids, 4, 0.9, 0.025, 'float32'), tf.cast(tf.oneHot(ids, 4), 'float32')];
    }));
    assert.ok(await tf.setBackend('wasm'));
    const t = tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'float32');
    assert.deepEqual(Array.from(t.dataSync()), [0, 1]);
    tf.dispose(t);
  });

  test('repeated calls keep tensor and wasm buffer counts flat', async () => {
    assert.ok(await tf.setBackend('wasm'));
    const x = tf.randomNormal<tf.Rank.R4>([4, 12, 12, 3]);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 5]);
    const dw = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 2]);
    const step = (): void => {
      const gs = tf.grads((a: Tensor, b: Tensor, c: Tensor) =>
        tf.addN([
          weightedSum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')),
          weightedSum(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 1, 'same')),
          weightedSum(tf.maxPool(a as tf.Tensor4D, 3, 2, 'same')),
        ]))([x, w, dw]);
      tf.dispose(gs);
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    for (let i = 0; i < 30; i++) step();
    assert.equal(tf.memory().numTensors, tensors);
    assert.equal(tf.engine().backend.numDataIds(), dataIds);
    tf.dispose([x, w, dw]);
  });
});
