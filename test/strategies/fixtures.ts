/** Decision lists for strategy tests: hand-built ones (independent of src/space's compiler) and real compiled spaces. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { compileSpace, type CompiledSpace } from '../../src/space/index.js';
import type { ConditionClause, Decision } from '../../src/space/types.js';
import { packageRoot } from '../../src/evaluation/tabular/package-root.js';

export function decision(index: number, choices: number, condition?: ConditionClause[]): Decision {
  return {
    index,
    id: `d${index}`,
    name: `d${index}`,
    choices: Array.from({ length: choices }, (_, i) => i),
    ...(condition === undefined ? {} : { condition }),
  };
}

/**
 * A small macro space with chained conditions: d0 = layer count (1–3); layer j's type
 * exists only when the count allows it, its filters only when the type is conv. d6's
 * condition refers to d5, which is itself conditional (a clause on an inactive decision is false).
 */
export const CONDITIONED: readonly Decision[] = [
  decision(0, 3),
  decision(1, 2),
  decision(2, 3, [{ decision: 1, oneOf: [0] }]),
  decision(3, 2, [{ decision: 0, oneOf: [1, 2] }]),
  decision(4, 3, [
    { decision: 0, oneOf: [1, 2] },
    { decision: 3, oneOf: [0] },
  ]),
  decision(5, 2, [{ decision: 0, oneOf: [2] }]),
  decision(6, 3, [{ decision: 5, oneOf: [0] }]),
];

/** `n` unconditional decisions with `k` choices each. */
export function flat(n: number, k: number): Decision[] {
  return Array.from({ length: n }, (_, i) => decision(i, k));
}

/** Arbitrary decision lists with conditions on earlier decisions. */
export const arbitraryDecisions: fc.Arbitrary<Decision[]> = fc
  .array(fc.record({ choices: fc.integer({ min: 1, max: 5 }), clauses: fc.array(fc.tuple(fc.nat(), fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 3 })), { maxLength: 2 }) }), {
    minLength: 1,
    maxLength: 10,
  })
  .map((specs) => {
    const out: Decision[] = [];
    specs.forEach((spec, i) => {
      const clauses = i === 0 ? [] : spec.clauses.map(([d, oneOf]) => ({ decision: d % i, oneOf: oneOf.map((c) => c % out[d % i]!.choices.length) }));
      out.push(decision(i, spec.choices, clauses.length === 0 ? undefined : clauses));
    });
    return out;
  });

export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} unavailable`);
  await tf.ready();
}

export const BACKENDS = ['cpu', 'wasm'] as const;

/** Real spaces compiled by src/space: a conditional layer space with hyperparameters, the NAS-Bench-201 cell, and that cell with searched hyperparameters. */
export function compiledSpaces(): { readonly name: string; readonly space: CompiledSpace }[] {
  const read = (file: string): unknown => JSON.parse(readFileSync(join(packageRoot(), 'examples', file), 'utf8'));
  const cell = read('nb201-cell.json') as Record<string, unknown>;
  const definitions: [string, unknown][] = [
    ['layers with hyperparameters', read('fashion-mnist-layers.json')],
    ['NAS-Bench-201 cell', cell],
    ['cell with hyperparameters', { ...cell, name: 'cell + hyperparameters', hyperparameters: { learningRate: { range: [0.001, 0.1], bins: 4, scale: 'log' }, batchSize: [32, 64, 128] } }],
  ];
  return definitions.map(([name, definition]) => {
    const compiled = compileSpace(definition);
    if (!compiled.ok) throw new Error(`${name}: ${JSON.stringify(compiled.errors)}`);
    return { name, space: compiled.space };
  });
}
