import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { CompileResult } from '../../src/space/index.js';
import { compileSpace, importNni } from '../../src/space/index.js';
import { anyDefinition, pointsInto, readJson } from './helpers.js';

function assertWellFormed(result: CompileResult, doc: unknown, checkPaths = true): void {
  if (result.ok) return;
  assert.ok(result.errors.length > 0);
  for (const e of result.errors) {
    assert.equal(typeof e.message, 'string');
    assert.ok(e.path === '' || e.path.startsWith('/'), e.path);
    if (checkPaths) assert.ok(pointsInto(doc, e.path), `${e.path} does not point into the document (${e.message})`);
  }
}

test('arbitrary values never make compileSpace throw', () => {
  fc.assert(
    fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }), (value) => {
      const result = compileSpace(value);
      assert.equal(result.ok, false);
      assertWellFormed(result, value, false);
      const imported = importNni(value);
      assert.equal(imported.ok, false);
    }),
    { numRuns: 400 },
  );
});

/** Replaces, inserts or deletes one value somewhere inside a document. */
function mutate(doc: unknown, path: number[], replacement: unknown, mode: number): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as unknown;
  let node = copy;
  for (let depth = 0; ; depth++) {
    if (node === null || typeof node !== 'object') return replacement;
    const keys = Object.keys(node);
    if (keys.length === 0) return copy;
    const key = keys[path[depth % path.length] % keys.length];
    const child = (node as Record<string, unknown>)[key];
    const stop = depth >= path.length || child === null || typeof child !== 'object';
    if (stop) {
      if (mode === 0) (node as Record<string, unknown>)[key] = replacement;
      else if (mode === 1 && !Array.isArray(node)) delete (node as Record<string, unknown>)[key];
      else if (mode === 2 && !Array.isArray(node)) (node as Record<string, unknown>)[`${key}x`] = replacement;
      else if (Array.isArray(node)) node.push(replacement);
      return copy;
    }
    node = child;
  }
}

const seeds = [readJson('examples/nb201-cell.json'), readJson('examples/fashion-mnist-layers.json')];

test('mutated valid definitions compile or fail with errors that point into the document', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constantFrom(...seeds), anyDefinition),
      fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(0, -1, 1.5, 1e9, '', 'relu', [], {}, null, true, [1, 1], { range: [1, 0] })),
      fc.integer({ min: 0, max: 3 }),
      (doc, path, replacement, mode) => {
        const mutated = mutate(doc, path, replacement, mode);
        const result = compileSpace(mutated);
        assertWellFormed(result, mutated);
        if (result.ok) assert.equal(compileSpace(result.space.definition).ok, true, 'a normalised definition compiles again');
      },
    ),
    { numRuns: 600 },
  );
});

test('hostile objects (cycles, getters that throw, proxies, huge sparse arrays) are refused without throwing', () => {
  const cyclic: Record<string, unknown> = { layers: { count: 1, types: ['identity'] } };
  cyclic.self = cyclic;
  const throwing = { get layers(): unknown { throw new Error('boom'); } };
  const proxy = new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, getPrototypeOf: () => Object.prototype });
  const sparse = { layers: { count: new Array(1e9), types: ['identity'] } };
  const wide = { layers: { count: 1, types: Array.from({ length: 300_000 }, () => 'identity') } };
  const deep = (() => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    return { layers: v };
  })();
  for (const doc of [cyclic, throwing, proxy, sparse, wide, deep, Symbol('x'), () => 1, 10n, new Date(), new Map()]) {
    const result = compileSpace(doc);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.errors.length > 0 && result.errors.length <= 100);
  }
  assert.equal(compileSpace('{"cell": {"nodes": 4, "ops": ["none"]}}').ok, true);
  const broken = compileSpace('{"cell":');
  assert.ok(!broken.ok && /not valid JSON/.test(broken.errors[0].message));
});
