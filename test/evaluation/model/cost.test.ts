import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/evaluation/backend/select.js';
import { modelCost } from '../../../src/evaluation/model/cost.js';
import { buildLayersModel } from '../../../src/evaluation/model/layers-builder.js';
import { measureLatency } from '../../../src/evaluation/model/latency.js';
import { conv, dense, depthwise, layers } from '../trainer/fixtures/archs.js';

before(async () => {
  await selectBackend({ preferred: 'wasm' });
});

test('params and FLOPs (2 × MACs) from layer shapes', () => {
  // 8×8×1 → conv 3×3×1×4 (8×8) → depthwise 3×3×4×2 stride 2 (4×4×8) → dense 128→10 → logits 10→3.
  const m = buildLayersModel(layers([conv(4), depthwise(3, 2, 2), dense(10)]), [8, 8, 1], 3, 1);
  const macs = 9 * 1 * 4 * 64 + 9 * 4 * 2 * 16 + 128 * 10 + 10 * 3;
  const params = (9 * 4 + 4) + (9 * 4 * 2 + 8) + (128 * 10 + 10) + (10 * 3 + 3);
  assert.deepEqual(modelCost(m), { params, nonTrainableParams: 0, flops: 2 * macs });
  assert.equal(m.countParams(), params);
  m.dispose();
});

test('latency is measured at batch 1 and 64 without leaking tensors', async () => {
  const m = buildLayersModel(layers([conv(4), dense(10)]), [8, 8, 1], 3, 1);
  const before = tf.memory().numTensors;
  const lat = await measureLatency(m, [8, 8, 1], { repeats1: 2, repeats64: 1 });
  assert.ok(lat.batch1Ms > 0 && lat.batch64MsPerSample > 0);
  assert.equal(tf.memory().numTensors, before);
  m.dispose();
});
