import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NniImportOptions, SpaceError } from '../../src/space/index.js';
import { importNni, sampleActions } from '../../src/space/index.js';
import { readJson, seeded } from './helpers.js';

const cellBase = { cell: { nodes: 2, ops: ['none', 'skip_connect'] } };

function importErrors(json: unknown, options: NniImportOptions = {}): readonly SpaceError[] {
  const result = importNni(json, options);
  assert.equal(result.ok, false, 'expected the import to fail');
  return result.ok ? [] : result.errors;
}

function hyper(json: unknown, options: NniImportOptions = {}): unknown {
  const result = importNni(json, { base: cellBase, ...options });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  return result.ok ? result.definition.hyperparameters : undefined;
}

test('the example NNI file imports: layer_choice/input_choice become layers, the rest hyperparameters', () => {
  const result = importNni(readJson('examples/nni-search-space.json'));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
  const { space, definition, warnings } = result;
  assert.deepEqual(warnings, []);
  assert.equal(space.kind, 'layers');
  // Layers: 3 · 4 · (4 · 2 skips) · (3 · 4 skips) = 1152 = NNI's 3·4·4·3 op choices × 2 × 4 input subsets.
  // Hyperparameters: optimizer (sgd: 3 lr · 4 momentum, adam: 3 lr) · batch 3 · weight decay 3 · smoothing 3 · warmup 3.
  assert.equal(space.cardinality, 1152n * 15n * 81n);
  assert.deepEqual(definition.layers?.perLayer['3'].skipsFrom, [0, 1]);
  assert.deepEqual(definition.hyperparameters?.batchSize, [32, 64, 128]);
  assert.deepEqual(definition.hyperparameters?.warmup_epochs, [0, 1, 2]);
  assert.deepEqual(definition.hyperparameters?.weight_decay, [0.00001, 0.0001, 0.001]);
  const sgd = space.decisions.find((d) => d.id === 'hyperparameters.optimizer.sgd.momentum');
  assert.deepEqual(sgd?.choices, [0.5, 0.6, 0.8, 0.9]);
  const optimizer = space.decisions.find((d) => d.id === 'hyperparameters.optimizer');
  assert.deepEqual(sgd?.condition, [{ decision: optimizer?.index, oneOf: [0] }]);
  for (let seed = 0; seed < 20; seed++) {
    const actions = sampleActions(space.decisions, seeded(seed));
    const arch = space.decode(actions);
    assert.deepEqual(space.encode(arch), actions);
    assert.equal(arch.kind === 'layers' && arch.layers.length, 4);
  }
});

test('NNI parameter types convert to discrete choices', () => {
  assert.deepEqual(hyper({ warmup: { _type: 'randint', _value: [1, 5] } }), { warmup: [1, 2, 3, 4] });
  assert.deepEqual(hyper({ lr: { _type: 'loguniform', _value: [0.001, 0.1] } }, { bins: 3 }), { learningRate: [0.001, 0.01, 0.1] });
  assert.deepEqual(hyper({ dropout_rate: { _type: 'uniform', _value: [0.1, 0.5], _bins: 5 } }), { dropout_rate: [0.1, 0.2, 0.3, 0.4, 0.5] });
  assert.deepEqual(hyper({ size: { _type: 'quniform', _value: [1, 10, 4] } }), { size: [1, 4, 8, 10] });
  assert.deepEqual(hyper({ wd: { _type: 'qloguniform', _value: [0.001, 1, 0.001] } }, { bins: 4 }), { wd: [0.001, 0.01, 0.1, 1] });
  assert.deepEqual(hyper({ big: { _type: 'randint', _value: [0, 1000] } }, { bins: 3 }), { big: [0, 500, 999] });
  assert.deepEqual(hyper({ Optimizer: { _type: 'choice', _value: ['Adam', 'SGD'] }, batch_size: { _type: 'choice', _value: [16, 32] } }), {
    optimizer: ['adam', 'sgd'],
    batchSize: [16, 32],
  });
});

test('nested _name choices become conditional sub-spaces', () => {
  const nested = {
    layer0: {
      _type: 'choice',
      _value: [
        { _name: 'Empty' },
        { _name: 'Conv', kernel_size: { _type: 'choice', _value: [1, 2, 3, 5] } },
        { _name: 'Max_pool', pooling_size: { _type: 'choice', _value: [2, 3, 5] } },
      ],
    },
  };
  const result = importNni(nested, { base: cellBase });
  assert.ok(result.ok);
  assert.equal(result.space.cardinality, 2n * (1n + 4n + 3n));
  assert.deepEqual(
    result.space.decisions.slice(1).map((d) => [d.id, d.condition]),
    [
      ['hyperparameters.layer0', undefined],
      ['hyperparameters.layer0.Conv.kernel_size', [{ decision: 1, oneOf: [1] }]],
      ['hyperparameters.layer0.Max_pool.pooling_size', [{ decision: 1, oneOf: [2] }]],
    ],
  );
  const arch = result.space.decode([0, 1, 3, -1]);
  assert.deepEqual(arch.hyperparameters, { custom: { layer0: 'Conv', kernel_size: 5 } });
});

test('unsupported NNI constructs are refused with the reason', () => {
  assert.match(importErrors({ lr: { _type: 'choice', _value: [0.1] }, learning_rate: { _type: 'choice', _value: [0.2] } }, { base: cellBase })[0].message, /maps to learningRate/);
  const normal = importErrors({ x: { _type: 'normal', _value: [0, 1] } }, { base: cellBase });
  assert.equal(normal[0].path, '/x/_type');
  assert.match(normal[0].message, /normal is unbounded/);
  assert.match(importErrors({ x: { _type: 'qlognormal', _value: [0, 1, 1] } }, { base: cellBase })[0].message, /qlognormal is unbounded/);
  const noBins = importErrors({ lr: { _type: 'uniform', _value: [0.1, 0.5] } }, { base: cellBase });
  assert.deepEqual(noBins[0].path, '/lr');
  assert.match(noBins[0].message, /continuous .* give a number of bins/);
  assert.match(importErrors({ x: { _type: 'loguniform', _value: [0, 1] } }, { base: cellBase, bins: 3 })[0].message, /positive lower bound/);
  assert.match(importErrors({ x: { _type: 'choice', _value: [[3, 3], [5, 5]] } }, { base: cellBase })[0].message, /options must be numbers/);
  assert.equal(importErrors({ x: { _type: 'choice', _value: [{ kernel: 3 }] } }, { base: cellBase })[0].path, '/x/_value/0');
  assert.match(importErrors({ x: { _type: 'mutable_layer', _value: {} } }, { base: cellBase })[0].message, /unknown type "mutable_layer"/);
  assert.match(importErrors({ x: { _type: 'choice', _value: [1] } })[0].message, /only hyperparameters.*options.base/);
  const badOp = importErrors({ l0: { _type: 'layer_choice', _value: ['conv3x3', 'lstm'] } });
  assert.equal(badOp[0].path, '/l0/_value/1');
  assert.match(badOp[0].message, /cannot map op "lstm"/);
  const chosen = importErrors({
    l0: { _type: 'layer_choice', _value: ['conv3x3'] },
    l1: { _type: 'layer_choice', _value: ['conv3x3'] },
    l2: { _type: 'layer_choice', _value: ['conv3x3'] },
    s: { _type: 'input_choice', _value: { candidates: ['l0'], n_chosen: 1 } },
  });
  assert.equal(chosen[0].path, '/s/_value/n_chosen');
  assert.match(importErrors({ s: { _type: 'input_choice', _value: { candidates: [] } } })[0].message, /must follow the layer_choice/);
  assert.match(importErrors({ x: { _type: 'choice', _value: ['adam', 'lion'] } }, { base: { ...cellBase, hyperparameters: { x: [1, 2] } } })[0].message, /both in the base/);
  assert.match(importErrors({ optimizer: { _type: 'choice', _value: ['adam', 'lion'] } }, { base: cellBase })[0].message, /must be one of sgd.*converted graphnas document/);
});

test('input_choice candidates that are the previous layer are dropped with a warning', () => {
  const result = importNni({
    a: { _type: 'layer_choice', _value: ['conv3x3', 'maxpool'] },
    b: { _type: 'layer_choice', _value: ['conv5x5', 'identity'] },
    c: { _type: 'layer_choice', _value: ['sep_conv_3x3', 'avg_pool_3x3'] },
    s: { _type: 'input_choice', _value: { candidates: ['a', 'b'], n_chosen: null } },
  });
  assert.ok(result.ok);
  assert.equal(result.warnings.length, 1);
  assert.deepEqual(result.definition.layers?.perLayer['2'].skipsFrom, [0]);
  assert.equal(result.space.cardinality, 2n * 2n * 2n * 2n);
});
