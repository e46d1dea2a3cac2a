import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { CompiledSpace } from '../../src/space/index.js';
import { CELL_OPS, compileSpace } from '../../src/space/index.js';

export const ROOT = join(__dirname, '..', '..', '..');

export function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, relative), 'utf8')) as unknown;
}

export function compiled(definition: unknown): CompiledSpace {
  const result = compileSpace(definition);
  if (!result.ok) throw new Error(`expected a valid space: ${JSON.stringify(result.errors)}`);
  return result.space;
}

/** A deterministic [0, 1) generator (mulberry32) so fast-check can drive action sampling. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const some = <T>(values: readonly T[]) => fc.subarray([...values], { minLength: 1 });

const layerType = fc.oneof(
  fc.record({ type: fc.constant('conv2d'), filters: some([8, 16, 32]), kernelSize: some([1, 3, 5]), activation: some(['relu', 'tanh']) }),
  fc.record({ type: fc.constant('depthwiseConv2d'), kernelSize: some([3, 5]), depthMultiplier: some([1, 2]) }),
  fc.record({ type: fc.constantFrom('maxPool', 'avgPool'), poolSize: some([2, 3]), stride: some([1, 2]) }),
  fc.record({ type: fc.constant('dense'), units: some([10, 20]) }),
  fc.record({ type: fc.constant('dropout'), rate: some([0.1, 0.5]) }),
  fc.constant('identity'),
);

const typeName = (t: unknown): string => (typeof t === 'string' ? t : (t as { type: string }).type);
const layerTypes = fc.uniqueArray(layerType, { minLength: 1, maxLength: 3, selector: typeName });

const hyperparameters = fc.record(
  {
    learningRate: fc.oneof(some([0.1, 0.01, 0.001]), fc.constant({ range: [0.001, 0.1], bins: 3, scale: 'log' })),
    batchSize: fc.constantFrom(32, [32, 64]),
    optimizer: fc.constantFrom(['adam'], ['adam', { value: 'sgd', params: { momentum: [0.5, 0.9] } }], [{ value: 'sgd', params: { momentum: [0, 0.9], nesterov: [true, false] } }, 'rmsprop']),
    dropoutScale: some(['a', 'b', 'c']),
  },
  { requiredKeys: [] },
);

/** Small layers spaces with every feature that creates conditions: optional layers, types, skips, per-layer overrides, nested hyperparameters. */
export const layersDefinition = fc
  .record({
    count: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
    types: layerTypes,
    skips: fc.oneof(fc.constant(false), fc.constant(true), fc.record({ maxDistance: fc.integer({ min: 2, max: 3 }) })),
    override: fc.option(layerTypes, { nil: undefined }),
    skipsFrom3: fc.option(fc.subarray([0, 1]), { nil: undefined }),
    hyperparameters: fc.option(hyperparameters, { nil: undefined }),
  })
  .map(({ count, types, skips, override, skipsFrom3, hyperparameters: hp }) => {
    const perLayer: Record<string, unknown> = {};
    if (override !== undefined) perLayer['0'] = { types: override };
    if (skipsFrom3 !== undefined && Math.max(...count) >= 4) perLayer['3'] = { skipsFrom: skipsFrom3 };
    return { layers: { count, types, skips, perLayer }, ...(hp !== undefined ? { hyperparameters: hp } : {}) };
  });

export const cellDefinition = fc
  .record({
    nodes: fc.integer({ min: 2, max: 4 }),
    ops: fc.subarray([...CELL_OPS], { minLength: 1, maxLength: 3 }),
    hyperparameters: fc.option(hyperparameters, { nil: undefined }),
  })
  .map(({ nodes, ops, hyperparameters: hp }) => ({
    cell: { nodes, ops: nodes === 4 ? ops.slice(0, 2) : ops },
    ...(hp !== undefined ? { hyperparameters: hp } : {}),
  }));

export const anyDefinition = fc.oneof(layersDefinition, cellDefinition);

/** Resolves a JSON pointer; a missing last token is accepted (errors about a missing key point at it). */
export function pointsInto(doc: unknown, path: string): boolean {
  if (path === '') return true;
  const tokens = path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = doc;
  for (let i = 0; i < tokens.length; i++) {
    if (node === null || typeof node !== 'object') return false;
    const next = (node as Record<string, unknown>)[tokens[i]];
    if (next === undefined || !Object.prototype.hasOwnProperty.call(node, tokens[i])) return i === tokens.length - 1;
    node = next;
  }
  return true;
}
