import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpaceError } from '../../src/space/index.js';
import { compileSpace, DEFAULT_LIMITS } from '../../src/space/index.js';
import { compiled, readJson } from './helpers.js';

function errorsOf(definition: unknown, limits = {}): readonly SpaceError[] {
  const result = compileSpace(definition, { limits });
  assert.equal(result.ok, false, 'expected the definition to be refused');
  return result.ok ? [] : result.errors;
}

function expectError(definition: unknown, path: string, message: RegExp): void {
  const errors = errorsOf(definition);
  assert.ok(
    errors.some((e) => e.path === path && message.test(e.message)),
    `no error at ${path} matching ${message}; got ${JSON.stringify(errors)}`,
  );
}

const conv = { type: 'conv2d', filters: [16, 32] };

test('mistakes are reported at their exact place', () => {
  expectError({ layers: { count: 2, types: [conv, 'maxPool', { type: 'conv3d' }] } }, '/layers/types/2/type', /must be one of conv2d/);
  expectError({ layers: { count: 2, types: [conv, { type: 'dense', units: 64, filters: 3 }] } }, '/layers/types/1/filters', /not a setting of dense/);
  expectError({ layers: { count: 2, types: ['dense'] } }, '/layers/types/0', /dense needs units/);
  expectError({ layers: { count: 2, types: [{ type: 'conv2d', filters: [16, 'x', 16] }] } }, '/layers/types/0/filters/1', /must be a number/);
  expectError({ layers: { count: 2, types: [{ type: 'conv2d', filters: [16, 32, 16] }] } }, '/layers/types/0/filters/2', /repeats the choice 16/);
  expectError({ layers: { count: 2, types: [{ type: 'conv2d', filters: 8, activation: 'leaky' }] } }, '/layers/types/0/activation', /must be one of relu, elu/);
  expectError({ layers: { count: 2, types: [{ type: 'dropout', rate: [0.5, 1] }] } }, '/layers/types/0/rate/1', /less than 1/);
  expectError({ layers: { count: 2, types: [{ type: 'dense', units: 1.5 }] } }, '/layers/types/0/units', /integer/);
  expectError({ layers: { count: [], types: [conv] } }, '/layers/count', /at least one/);
  expectError({ layers: { count: 0, types: [conv] } }, '/layers/count', /at least 1/);
  expectError({ layers: { types: [conv] } }, '/layers', /needs count/);
  expectError({ layers: { count: 2, types: [conv, conv] } }, '/layers/types/1', /second time/);
  expectError({ layers: { count: 2, types: [conv], skips: 'yes' } }, '/layers/skips', /true, false/);
  expectError({ layers: { count: 3, types: [conv], perLayer: { '3': { types: ['identity'] } } } }, '/layers/perLayer/3', /from 0 to 2/);
  expectError({ layers: { count: 3, types: [conv], perLayer: { '2': { skipsFrom: [1] } } } }, '/layers/perLayer/2/skipsFrom/0', /always fed by layer 1/);
  expectError({ layers: { count: 3, perLayer: { '0': { types: [conv] } } } }, '/layers', /layer 1 has no perLayer types/);
  expectError({ layers: { count: 2, types: [{ type: 'dense', units: { range: [8, 64] , bins: 1 } }] } }, '/layers/types/0/units/bins', /integer from 2/);
  expectError({ cell: { nodes: 4, ops: ['none', 'sep_conv_3x3'] } }, '/cell/ops/1', /must be one of none, skip_connect/);
  expectError({ cell: { nodes: 1, ops: ['none'] } }, '/cell/nodes', /from 2 to 12/);
  expectError({ cell: { nodes: 4, ops: ['none'], skeleton: { channels: [16, -1] } } }, '/cell/skeleton/channels/1', /from 1 to 4096/);
  expectError({ cell: { nodes: 4, ops: ['none'], edges: 3 } }, '/cell/edges', /not a cell setting/);
  expectError({ layers: { count: 1, types: [conv] }, cell: { nodes: 4, ops: ['none'] } }, '', /both layers and cell/);
  expectError({ name: 'x' }, '', /either layers .* or cell/);
  expectError({ version: 2, cell: { nodes: 2, ops: ['none'] } }, '/version', /must be 1/);
  expectError({ cell: { nodes: 2, ops: ['none'] }, hyperparams: {} }, '/hyperparams', /not a search-space setting/);
  expectError([], '', /must be a JSON object/);
});

test('hyperparameter mistakes are reported at their exact place', () => {
  const cell = { nodes: 2, ops: ['none', 'skip_connect'] };
  expectError({ cell, hyperparameters: { learningRate: [0.1, 0] } }, '/hyperparameters/learningRate/1', /greater than 0/);
  expectError({ cell, hyperparameters: { learningRate: { range: [0.001, 0.1] } } }, '/hyperparameters/learningRate', /needs a number of bins/);
  expectError({ cell, hyperparameters: { learningRate: { range: [0, 0.1], bins: 3, scale: 'log' } } }, '/hyperparameters/learningRate/range', /positive lower bound/);
  expectError({ cell, hyperparameters: { batch_size: [32] } }, '/hyperparameters/batch_size', /write batchSize/);
  expectError({ cell, hyperparameters: { optimizer: ['adam', 'lion'] } }, '/hyperparameters/optimizer/1', /must be one of sgd/);
  expectError({ cell, hyperparameters: { optimizer: [{ value: 'sgd', params: { momentum: [1, 2], lr: 3 } }] } }, '/hyperparameters/optimizer/0/params/lr', /write learningRate/);
  expectError({ cell, hyperparameters: { momentum: [0.9], optimizer: [{ value: 'sgd', params: { momentum: [1, 2] } }] } }, '/hyperparameters/optimizer', /name that another/);
  expectError({ cell, hyperparameters: { 'bad name': [1] } }, '/hyperparameters/bad name', /must start with a letter/);
  expectError({ cell, hyperparameters: { x: [{ params: {} }] } }, '/hyperparameters/x/0', /needs a value/);
  // The same name in two options of one choice is fine: only one of them is ever active.
  const ok = compiled({ cell, hyperparameters: { optimizer: [{ value: 'sgd', params: { learningRate: [0.1, 0.01] } }, { value: 'adam', params: { learningRate: [0.001, 0.0001] } }] } });
  assert.equal(ok.cardinality, 2n * 4n);
  assert.deepEqual(ok.decisions.map((d) => d.id), ['cell.edge.0.1', 'hyperparameters.optimizer', 'hyperparameters.optimizer.sgd.learningRate', 'hyperparameters.optimizer.adam.learningRate']);
});

test('ranges expand to explicit choices, scalars and defaults are filled in', () => {
  const space = compiled({
    layers: { count: { range: [1, 3] }, types: [{ type: 'dense', units: { range: [16, 64], step: 16 } }, 'maxPool'] },
    hyperparameters: { learningRate: { range: [0.0001, 0.1], bins: 4, scale: 'log' }, dropoutScale: { range: [0, 1], bins: 3 } },
  });
  const def = space.definition;
  assert.deepEqual(def.layers?.count, [1, 2, 3]);
  assert.deepEqual(def.layers?.types, [
    { type: 'dense', units: [16, 32, 48, 64], activation: ['relu'] },
    { type: 'maxPool', poolSize: [2], stride: [2] },
  ]);
  assert.deepEqual(def.hyperparameters, { learningRate: [0.0001, 0.001, 0.01, 0.1], dropoutScale: [0, 0.5, 1] });
  assert.deepEqual(compiled({ cell: { nodes: 4, ops: ['none'] } }).definition.cell?.skeleton, { stemChannels: 16, channels: [16, 32, 64], cellsPerStack: 5 });
});

test('decisions exist only where they apply', () => {
  const space = compiled({ layers: { count: [1, 2], types: [conv, 'maxPool'] } });
  assert.deepEqual(
    space.decisions.map((d) => [d.id, d.condition ?? null]),
    [
      ['layers.count', null],
      ['layers.0.type', null],
      ['layers.0.conv2d.filters', [{ decision: 1, oneOf: [0] }]],
      ['layers.1.type', [{ decision: 0, oneOf: [1] }]],
      ['layers.1.conv2d.filters', [{ decision: 3, oneOf: [0] }]],
    ],
  );
  assert.equal(space.cardinality, 3n + 3n * 3n);
  const arch = space.decode([0, 1, -1, -1, -1]);
  assert.deepEqual(arch, { kind: 'layers', layers: [{ type: 'maxPool', poolSize: 2, stride: 2, skips: [] }], hyperparameters: {} });
  assert.equal(space.label(space.decode([1, 0, 1, 1, -1])), 'conv2d(32,3x3,s1,relu) > maxPool(2x2,s2)');
});

test('hard limits come back as clear errors', () => {
  const big = { layers: { count: 1, types: ['identity'] }, description: 'x'.repeat(DEFAULT_LIMITS.maxDocumentSize) };
  assert.match(errorsOf(big)[0].message, /larger than the limit of 262144 characters/);
  let deep: unknown = [1];
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.match(errorsOf({ layers: { count: 1, types: ['identity'] }, x: deep })[0].message, /nested deeper than the limit of 24/);
  expectError({ layers: { count: 65, types: ['identity'] } }, '/layers/count', /at most 64/);
  expectError({ layers: { count: 2, types: [{ type: 'dense', units: Array.from({ length: 300 }, (_, i) => i + 1) }] } }, '/layers/types/0/units', /300 choices, more than the limit of 256/);
  expectError({ layers: { count: 2, types: [{ type: 'dropout', rate: { range: [0, 0.9], step: 0.0001 } }] } }, '/layers/types/0/rate', /expands to 9001 values/);
  expectError({ cell: { nodes: 13, ops: ['none'] } }, '/cell/nodes', /from 2 to 12/);
  const fashion = readJson('examples/fashion-mnist-layers.json');
  assert.match(errorsOf(fashion, { maxDecisions: 10 })[0].message, /more than the limit of 10 decisions/);
  assert.match(errorsOf({ cell: { nodes: 4, ops: ['none', 'skip_connect'] } }, { maxCellNodes: 3 })[0].message, /from 2 to 3/);
});

test('the largest space the limits allow compiles quickly, with an exact BigInt cardinality', () => {
  const started = Date.now();
  const space = compiled({
    layers: {
      count: { range: [1, 64] },
      types: [{ type: 'conv2d', filters: [16, 32, 64], kernelSize: [1, 3, 5], stride: [1, 2], activation: ['relu', 'elu', 'gelu', 'swish', 'tanh', 'sigmoid'] }, 'maxPool', 'identity'],
      skips: true,
    },
  });
  assert.ok(Date.now() - started < 2000);
  assert.ok(space.decisions.length <= DEFAULT_LIMITS.maxDecisions);
  assert.ok(space.cardinality > 2n ** 2000n);
  assert.equal(space.cardinality.toString().length > 600, true);
});
