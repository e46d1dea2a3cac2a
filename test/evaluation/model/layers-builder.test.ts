import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { selectBackend } from '../../../src/evaluation/backend/select.js';
import { buildLayersModel } from '../../../src/evaluation/model/layers-builder.js';
import type { Activation, LayerNode } from '../../../src/space/types.js';
import { avgPool, conv, dense, depthwise, dropout, identity, layers, maxPool } from '../trainer/fixtures/archs.js';

before(async () => {
  await selectBackend({ preferred: 'wasm' });
});

function outputOf(model: tfl.LayersModel, shape: number[]): number[] {
  return tf.tidy(() => (model.predict(tf.ones([2, ...shape])) as tf.Tensor).shape);
}

function layerNames(model: tfl.LayersModel): string[] {
  return model.layers.map((l) => l.getClassName());
}

test('a plain CNN: same padding, flatten before dense, one logit per class', () => {
  const m = buildLayersModel(layers([conv(4), maxPool(), conv(8, 3, 2), dense(10)]), [12, 12, 1], 5, 1);
  assert.deepEqual(m.outputs[0].shape, [null, 5]);
  assert.deepEqual(m.getLayer('l2_conv2d').outputShape, [null, 3, 3, 8]);
  assert.deepEqual(layerNames(m), ['InputLayer', 'Conv2D', 'MaxPooling2D', 'Conv2D', 'Flatten', 'Dense', 'Dense']);
  assert.deepEqual(outputOf(m, [12, 12, 1]), [2, 5]);
  m.dispose();
});

test('spatial layers after the network went flat are identity; pooling a 1×1 map is identity', () => {
  const m = buildLayersModel(layers([maxPool(2, 2), maxPool(2, 2), maxPool(2, 2), dense(6), conv(8), avgPool(), depthwise(), dropout(0.2)]), [4, 4, 2], 3, 1);
  // 4 → 2 → 1, then the third pool sees a 1×1 map and is skipped.
  assert.deepEqual(layerNames(m), ['InputLayer', 'MaxPooling2D', 'MaxPooling2D', 'Flatten', 'Dense', 'GraphnasSeededDropout', 'Dense']);
  assert.deepEqual(outputOf(m, [4, 4, 2]), [2, 3]);
  m.dispose();
});

test('skips: spatial mismatch is pooled, channel mismatch projected by 1×1, flat targets use GAP + dense', () => {
  const arch = layers([
    conv(4), // 0: 12×12×4
    conv(8, 3, 2), // 1: 6×6×8
    conv(8, 3, 1, [0]), // 2: skip from 12×12×4 → pool 2 → 6×6×4 → 1×1 conv to 8
    maxPool(3, 3, [1]), // 3: skip from 6×6×8 into 6×6×8 (same shape): plain add
    dense(5, [0, 2]), // 4: skips merge into its 2×2×8 input (before the op), then flatten + dense
    identity([3, 4]), // 5: skip 4 is its own input (dropped); skip 3 is spatial into flat → GAP (8) → dense 5
  ]);
  const m = buildLayersModel(arch, [12, 12, 1], 3, 1);
  assert.deepEqual(m.getLayer('l2_skip0_pool').outputShape, [null, 6, 6, 4]);
  assert.deepEqual(m.getLayer('l2_skip0_proj').outputShape, [null, 6, 6, 8]);
  assert.throws(() => m.getLayer('l3_skip0_proj'), /No such layer/);
  assert.deepEqual(m.getLayer('l3_merge').outputShape, [null, 6, 6, 8]);
  assert.deepEqual(m.getLayer('l4_skip0_proj').outputShape, [null, 2, 2, 8]);
  assert.deepEqual(m.getLayer('l4_skip1_pool').outputShape, [null, 2, 2, 8]);
  assert.deepEqual(m.getLayer('l4_merge').outputShape, [null, 2, 2, 8]);
  assert.deepEqual(m.getLayer('l5_skip0_gap').outputShape, [null, 8]);
  assert.deepEqual(m.getLayer('l5_skip0_proj').outputShape, [null, 5]);
  assert.deepEqual(m.getLayer('l5_merge').outputShape, [null, 5]);
  assert.deepEqual(outputOf(m, [12, 12, 1]), [2, 3]);
  m.dispose();
});

test('skips whose pooled size is off by one are cropped or padded to the exact size', () => {
  // 9 → stride 2 → 5; the skip from 9 pools by ceil(9/5) = 2 → 5. Then 5 → stride 3 → 2, skip from 9 pools by ceil(9/2) = 5 → 2.
  const m = buildLayersModel(layers([conv(2), conv(2, 3, 2), conv(2, 3, 3, [0])]), [9, 9, 1], 2, 1);
  assert.deepEqual(m.getLayer('l2_merge').outputShape, [null, 5, 5, 2]);
  const odd = buildLayersModel(layers([conv(2), conv(2, 3, 3), conv(2, 1, 1, [0])]), [10, 10, 1], 2, 1);
  // 10 → 4; skip pools by ceil(10/4) = 3 → 4.
  assert.deepEqual(odd.getLayer('l2_merge').outputShape, [null, 4, 4, 2]);
  m.dispose();
  odd.dispose();
});

test('invalid skips fail with the layer index', () => {
  assert.throws(() => buildLayersModel(layers([conv(2), conv(2, 3, 1, [1])]), [4, 4, 1], 2, 1), /layers\[1\]\.skips: 1 is not an earlier layer/);
});

test('the same seed builds the same initial weights', () => {
  const arch = layers([conv(4), dense(8)]);
  const [a, b, c] = [1, 1, 2].map((s) => buildLayersModel(arch, [6, 6, 1], 3, s));
  const w = (m: tfl.LayersModel): number[] => Array.from(m.getWeights()[0].dataSync());
  assert.deepEqual(w(a), w(b));
  assert.notDeepEqual(w(a), w(c));
  [a, b, c].forEach((m) => m.dispose());
});

const activation = fc.constantFrom<Activation>('relu', 'elu', 'tanh', 'sigmoid', 'swish', 'gelu');
const layerOp = fc.oneof(
  fc.record({ type: fc.constant('conv2d' as const), filters: fc.constantFrom(2, 3, 4), kernelSize: fc.constantFrom(1, 3, 5), stride: fc.constantFrom(1, 2, 3), activation }),
  fc.record({ type: fc.constant('depthwiseConv2d' as const), kernelSize: fc.constantFrom(3, 5), stride: fc.constantFrom(1, 2), depthMultiplier: fc.constantFrom(1, 2), activation }),
  fc.record({ type: fc.constantFrom('maxPool' as const, 'avgPool' as const), poolSize: fc.constantFrom(2, 3), stride: fc.constantFrom(1, 2, 3) }),
  fc.record({ type: fc.constant('dense' as const), units: fc.constantFrom(3, 8), activation }),
  fc.record({ type: fc.constant('dropout' as const), rate: fc.constantFrom(0.1, 0.5) }),
  fc.record({ type: fc.constant('identity' as const) }),
);

test('property: every sampled layers architecture builds and runs, without leaking tensors', () => {
  const before = tf.memory().numTensors;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(layerOp, fc.array(fc.nat(), { maxLength: 3 })), { minLength: 1, maxLength: 8 }),
      fc.constantFrom<[number, number, number]>([7, 7, 1], [8, 8, 3], [14, 14, 1]),
      (raw, shape) => {
        const nodes = raw.map(([op, skips], i) => ({ ...op, skips: i === 0 ? [] : [...new Set(skips.map((s) => s % i))] }) as LayerNode);
        const m = buildLayersModel(layers(nodes), shape, 4, 1);
        try {
          assert.deepEqual(outputOf(m, shape), [2, 4]);
        } finally {
          m.dispose();
        }
      },
    ),
    { numRuns: 60 },
  );
  assert.equal(tf.memory().numTensors, before);
});
