import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/evaluation/backend/select.js';
import { buildCellModel } from '../../../src/evaluation/model/cell-builder.js';
import { buildChildNetwork } from '../../../src/evaluation/model/build.js';
import { modelCost } from '../../../src/evaluation/model/cost.js';
import { nb201 } from '../trainer/fixtures/archs.js';

before(async () => {
  await selectBackend({ preferred: 'wasm' });
});

const ALL_CONV3 = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const ALL_NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

test('NAS-Bench-201 skeleton matches the benchmark\'s own parameter and FLOP counts (CIFAR-10 input)', () => {
  // NAS-Bench-201 lists the all-conv3×3 cell at 1.531546 M params and 220.11 M FLOPs (its
  // "FLOPs" are multiply-accumulates), the cheapest cells at 0.073306 M and 7.78 M.
  const big = buildCellModel(nb201(ALL_CONV3), [32, 32, 3], 10, 1);
  const small = buildCellModel(nb201(ALL_NONE), [32, 32, 3], 10, 1);
  const bigCost = modelCost(big);
  const smallCost = modelCost(small);
  assert.equal(bigCost.params, 1531546);
  assert.equal(smallCost.params, 73306);
  assert.ok(Math.abs(bigCost.flops / 2 / 1e6 - 220.11) < 0.05, `MACs ${bigCost.flops / 2}`);
  assert.ok(Math.abs(smallCost.flops / 2 / 1e6 - 7.78) < 0.01, `MACs ${smallCost.flops / 2}`);
  big.dispose();
  small.dispose();
});

test('a small cell network runs; a cell whose output receives only `none` outputs zeros into GAP', () => {
  const skeleton = { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 };
  const mixed = buildChildNetwork(nb201('|nor_conv_1x1~0|+|avg_pool_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|skip_connect~2|', skeleton), [8, 8, 1], 3, 1);
  const dead = buildChildNetwork(nb201(ALL_NONE, skeleton), [8, 8, 1], 3, 1);
  assert.ok(dead.layers.some((l) => l.getClassName() === 'GraphnasZerosLike'));
  const [outMixed, spread] = tf.tidy(() => {
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1);
    const y = dead.predict(x) as tf.Tensor;
    // With a zero cell output every sample gets the same logits: the classifier sees constants.
    return [(mixed.predict(x) as tf.Tensor).shape, tf.max(tf.sub(tf.max(y, 0), tf.min(y, 0))).dataSync()[0]];
  });
  assert.deepEqual(outMixed, [4, 3]);
  assert.ok((spread as number) < 1e-5);
  // Stem width differing from the first stack's gets a 1×1 adapter.
  const adapted = buildCellModel(nb201(ALL_CONV3, { stemChannels: 3, channels: [6], cellsPerStack: 1 }), [8, 8, 1], 2, 1);
  assert.deepEqual(adapted.getLayer('s0_adapt_bn').outputShape, [null, 8, 8, 6]);
  [mixed, dead, adapted].forEach((m) => m.dispose());
});

test('invalid cells fail with the offending field', () => {
  const base = nb201(ALL_CONV3, { stemChannels: 4, channels: [4], cellsPerStack: 1 });
  assert.throws(() => buildCellModel({ ...base, edges: [{ from: 2, to: 1, op: 'skip_connect' }] }, [8, 8, 1], 2, 1), /cell\.edges\[0\]: 2→1/);
  assert.throws(() => buildCellModel({ ...base, edges: [{ from: 0, to: 1, op: 'sep_conv_3x3' }] }, [8, 8, 1], 2, 1), /unknown op "sep_conv_3x3"/);
  assert.throws(() => buildCellModel({ ...base, skeleton: { ...base.skeleton, channels: [4, 0] } }, [8, 8, 1], 2, 1), /skeleton\.channels\[1\]/);
});

test('a dead branch (a node whose every way to the output is `none`) is not built, so disposing the model frees every tensor', () => {
  // Node 2 takes a 3×3 conv of the input but reaches node 3 only through `none`.
  const arch = nb201('|none~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_3x3~0|nor_conv_1x1~1|none~2|', { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 });
  const before = tf.memory().numTensors;
  const model = buildCellModel(arch, [8, 8, 1], 4, 3);
  assert.equal(tf.memory().numTensors - before, model.weights.length, 'every tensor built is one of the model\'s weights');
  assert.ok(!model.layers.some((l) => l.name.startsWith('s0c0_e1')), 'edge 0→2 feeds only a dead node');
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
