import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from '../../../src/evaluation/backend/index.js';

const SIZE = 12;

/** Every layer type the child networks use; seeded initialisers so both backends start equal. */
function smallConvNet(dropout: number): tfl.LayersModel {
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  let x = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seeded(1) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseInitializer: seeded(2) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization().apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.activation({ activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', kernelInitializer: seeded(3) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
  if (dropout > 0) x = tfl.layers.dropout({ rate: dropout }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: seeded(4) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** Label 1 when the top half is brighter than the bottom half; learnable in a few steps. */
function data(n: number, seed: number): { xs: Float32Array; ys: Float32Array } {
  let s = seed;
  const rand = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const xs = new Float32Array(n * SIZE * SIZE);
  const ys = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let p = 0; p < SIZE * SIZE; p++) {
      const top = p < (SIZE * SIZE) / 2;
      xs[i * SIZE * SIZE + p] = rand() * 0.6 + (top === (label === 1) ? 0.4 : 0);
    }
    ys[i * 2 + label] = 1;
  }
  return { xs, ys };
}

describe('training a small conv net on the wasm backend', () => {
  test('three SGD steps give the same weights on wasm as on the CPU backend', async () => {
    registerWasmTrainingKernels();
    const { xs, ys } = data(16, 3);
    const weights: Record<string, Float32Array[]> = {};
    for (const backend of ['cpu', 'wasm'] as const) {
      assert.ok(await tf.setBackend(backend));
      const model = smallConvNet(0);
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const x = tf.tensor4d(xs, [16, SIZE, SIZE, 1]);
      const y = tf.tensor2d(ys, [16, 2]);
      for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
      weights[backend] = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
      tf.dispose([x, y]);
      model.dispose();
    }
    const cpu = weights.cpu ?? [];
    const wasm = weights.wasm ?? [];
    assert.equal(wasm.length, cpu.length);
    cpu.forEach((expected, i) => {
      const actual = wasm[i] ?? new Float32Array();
      let diff = 0;
      // The floor matters for the depthwise bias: batch norm right after it cancels its
      // gradient, leaving ~1e-8 of rounding noise that differs between backends.
      let scale = 1e-2;
      expected.forEach((v, j) => {
        diff = Math.max(diff, Math.abs(v - (actual[j] ?? NaN)));
        scale = Math.max(scale, Math.abs(v));
      });
      assert.ok(diff / scale <= 1e-3, `weight ${i}: relative difference ${diff / scale}`);
    });
  });

  test('model.fit lowers the loss, with dropout, and leaves no tensors behind', async () => {
    registerWasmTrainingKernels();
    assert.ok(await tf.setBackend('wasm'));
    const before = tf.memory().numTensors;
    const { xs, ys } = data(128, 9);
    const model = smallConvNet(0.2);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor4d(xs, [128, SIZE, SIZE, 1]);
    const y = tf.tensor2d(ys, [128, 2]);
    const history = await model.fit(x, y, { epochs: 6, batchSize: 32, shuffle: true, verbose: 0 });
    const losses = history.history.loss as number[];
    assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
    assert.ok((losses.at(-1) ?? Infinity) < (losses[0] ?? 0) * 0.7, `loss did not fall enough: ${losses.map((l) => l.toFixed(3))}`);
    tf.dispose([x, y]);
    model.dispose();
    // The optimizer's slot variables belong to the model's compiled optimizer and go with it.
    model.optimizer.dispose();
    assert.equal(tf.memory().numTensors, before);
  });
});
