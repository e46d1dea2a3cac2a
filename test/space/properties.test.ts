import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Architecture } from '../../src/space/index.js';
import { enumerateActions, INACTIVE, isActive, LAYER_PARAMS, sampleActions, validateActions } from '../../src/space/index.js';
import { anyDefinition, compiled, seeded } from './helpers.js';

function checkArchitecture(arch: Architecture, definition: Record<string, unknown>): void {
  if (arch.kind === 'cell') {
    const cell = definition.cell as { nodes: number; ops: string[] };
    assert.equal(arch.nodes, cell.nodes);
    assert.equal(arch.edges.length, (cell.nodes * (cell.nodes - 1)) / 2);
    for (const e of arch.edges) {
      assert.ok(e.from < e.to && cell.ops.includes(e.op));
    }
    return;
  }
  const layers = definition.layers as { count: number[] };
  assert.ok(layers.count.includes(arch.layers.length));
  arch.layers.forEach((layer, i) => {
    for (const [name] of LAYER_PARAMS[layer.type]) assert.notEqual((layer as unknown as Record<string, unknown>)[name], undefined, `${layer.type}.${name}`);
    for (const j of layer.skips) assert.ok(j >= 0 && j <= i - 2, `skip ${j} into layer ${i}`);
  });
}

test('any valid action sequence decodes to a valid architecture, and encode(decode(a)) = a', () => {
  fc.assert(
    fc.property(anyDefinition, fc.array(fc.integer(), { minLength: 1, maxLength: 5 }), (definition, seeds) => {
      const space = compiled(definition);
      for (const seed of seeds) {
        const actions = sampleActions(space.decisions, seeded(seed));
        assert.deepEqual(validateActions(space.decisions, actions), []);
        const arch = space.decode(actions);
        checkArchitecture(arch, definition as Record<string, unknown>);
        assert.deepEqual(space.encode(arch), actions);
        assert.equal(space.fingerprint(JSON.parse(JSON.stringify(arch)) as Architecture), space.fingerprint(arch));
        assert.equal(typeof space.label(arch), 'string');
      }
    }),
    { numRuns: 150 },
  );
});

test('cardinality equals the number of enumerated action sequences, all decoding to different architectures', () => {
  let checked = 0;
  fc.assert(
    fc.property(anyDefinition, (definition) => {
      const space = compiled(definition);
      fc.pre(space.cardinality <= 3000n);
      checked++;
      const fingerprints = new Set<string>();
      let count = 0;
      for (const actions of enumerateActions(space.decisions, 3000)) {
        count++;
        fingerprints.add(space.fingerprint(space.decode(actions)));
      }
      assert.equal(BigInt(count), space.cardinality);
      assert.equal(fingerprints.size, count);
    }),
    { numRuns: 120 },
  );
  assert.ok(checked > 30, `only ${checked} spaces were small enough to enumerate`);
});

test('conditions refer only to earlier decisions, and an inactive decision makes its dependants inactive', () => {
  fc.assert(
    fc.property(anyDefinition, fc.integer(), (definition, seed) => {
      const space = compiled(definition);
      space.decisions.forEach((d, i) => {
        assert.equal(d.index, i);
        for (const clause of d.condition ?? []) assert.ok(clause.decision < i);
        assert.ok(d.choices.length >= 2);
      });
      assert.equal(new Set(space.decisions.map((d) => d.id)).size, space.decisions.length);
      const actions = sampleActions(space.decisions, seeded(seed));
      actions.forEach((a, i) => assert.equal(a === INACTIVE, !isActive(space.decisions, i, actions)));
    }),
    { numRuns: 100 },
  );
});

test('a corrupted action sequence is reported, and decode refuses it', () => {
  fc.assert(
    fc.property(anyDefinition, fc.integer(), fc.nat(), fc.integer({ min: -3, max: 6 }), (definition, seed, at, value) => {
      const space = compiled(definition);
      fc.pre(space.decisions.length > 0);
      const actions = sampleActions(space.decisions, seeded(seed));
      const i = at % actions.length;
      fc.pre(actions[i] !== value);
      const corrupted = actions.slice();
      corrupted[i] = value;
      const valid = space.decisions.every((d, k) =>
        isActive(space.decisions, k, corrupted) ? corrupted[k] >= 0 && corrupted[k] < d.choices.length : corrupted[k] === INACTIVE,
      );
      const errors = space.validateActions(corrupted);
      assert.equal(errors.length === 0, valid);
      if (!valid) assert.throws(() => space.decode(corrupted), RangeError);
    }),
    { numRuns: 200 },
  );
  const space = compiled({ cell: { nodes: 3, ops: ['none', 'skip_connect'] } });
  assert.match(space.validateActions([0, 1])[0].message, /expected 3 actions/);
  assert.match(space.validateActions('0,1,1')[0].message, /must be an array/);
  assert.match(space.validateActions([0, 1.5, 0])[0].message, /integer/);
});

test('encode rejects architectures from outside the space', () => {
  const space = compiled({ layers: { count: [1, 2], types: [{ type: 'dense', units: [8, 16] }] }, hyperparameters: { learningRate: [0.1, 0.01] } });
  const hp = { learningRate: 0.1 };
  const dense = (units: number, skips: number[] = []) => ({ type: 'dense' as const, units, activation: 'relu' as const, skips });
  assert.deepEqual(space.encode({ kind: 'layers', layers: [dense(16)], hyperparameters: hp }), [0, 1, INACTIVE, 0]);
  assert.throws(() => space.encode({ kind: 'layers', layers: [dense(32)], hyperparameters: hp }), /units = 32 is not one of its choices/);
  assert.throws(() => space.encode({ kind: 'layers', layers: [dense(8), dense(8), dense(8)], hyperparameters: hp }), /3 layers/);
  assert.throws(() => space.encode({ kind: 'layers', layers: [dense(8)], hyperparameters: {} }), /learningRate is missing/);
  assert.throws(() => space.encode({ kind: 'layers', layers: [dense(8)], hyperparameters: { ...hp, batchSize: 3 } }), /batchSize is not part/);
  assert.throws(() => space.encode({ kind: 'layers', layers: [dense(8), dense(8, [0])], hyperparameters: hp }), /skip from layer 0/);
  assert.throws(() => space.encode({ kind: 'cell', nodes: 2, edges: [], skeleton: { stemChannels: 1, channels: [1], cellsPerStack: 1 }, hyperparameters: {} }), /layers space/);
});

test('fingerprints ignore field order and skip order but see every hyperparameter', () => {
  const a: Architecture = {
    kind: 'layers',
    layers: [
      { type: 'conv2d', filters: 8, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
      { type: 'identity', skips: [] },
      { type: 'maxPool', poolSize: 2, stride: 2, skips: [1, 0] },
    ],
    hyperparameters: { learningRate: 0.1, custom: { b: 1, a: 'x' } },
  };
  const b = JSON.parse(JSON.stringify(a)) as { layers: Record<string, unknown>[]; hyperparameters: Record<string, unknown> };
  b.layers[0] = { skips: [], activation: 'relu', stride: 1, kernelSize: 3, filters: 8, type: 'conv2d' };
  b.layers[2].skips = [0, 1];
  b.hyperparameters = { custom: { a: 'x', b: 1 }, learningRate: 0.1 };
  const space = compiled({ cell: { nodes: 2, ops: ['none', 'skip_connect'] } });
  assert.equal(space.fingerprint(b as unknown as Architecture), space.fingerprint(a));
  assert.notEqual(space.fingerprint({ ...a, hyperparameters: { learningRate: 0.01, custom: { b: 1, a: 'x' } } }), space.fingerprint(a));
  assert.match(space.fingerprint(a), /^[0-9a-f]{32}$/);
});
