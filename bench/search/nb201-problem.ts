/**
 * The benchmark's problem: the NAS-Bench-201 cell space compiled by the project's own
 * space compiler (from examples/nb201-cell.json when present, the built-in definition
 * otherwise), scored by the project's own tabular evaluator on the shipped 12-epoch table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpace, NB201_DEFINITION, type CompiledSpace } from '../../src/space/index.js';
import type { Actions, Decision } from '../../src/space/types.js';
import { TabularEvaluator } from '../../src/evaluation/tabular/index.js';
import { packageRoot } from '../../src/evaluation/tabular/package-root.js';

export interface Scored {
  readonly label: string;
  readonly reward: number;
  readonly test: number;
}

export interface Problem {
  readonly decisions: readonly Decision[];
  readonly source: string;
  /** Best `cifar10-val` in the table, and that cell's `cifar10-test`. */
  readonly optimum: { readonly reward: number; readonly test: number; readonly label: string };
  readonly tableSize: number;
  score(actions: Actions): Promise<Scored>;
}

const REWARD = 'cifar10-val';
const TEST = 'cifar10-test';

export async function loadNb201Problem(): Promise<Problem> {
  const examplePath = join(packageRoot(), 'examples', 'nb201-cell.json');
  const source = existsSync(examplePath) ? 'examples/nb201-cell.json' : 'NB201_DEFINITION (src/space)';
  const definition: unknown = existsSync(examplePath) ? JSON.parse(readFileSync(examplePath, 'utf8')) : NB201_DEFINITION;
  const compiled = compileSpace(definition);
  if (!compiled.ok) throw new Error(`cannot compile the NAS-Bench-201 space: ${JSON.stringify(compiled.errors)}`);
  const space: CompiledSpace = compiled.space;
  const evaluator = new TabularEvaluator({ type: 'tabular', rewardColumn: REWARD });
  const { table, testColumn } = await evaluator.load();
  if (testColumn !== TEST) throw new Error(`expected ${TEST} as the held-out column, got ${String(testColumn)}`);
  let best = { reward: -Infinity, test: Number.NaN, label: '' };
  for (const label of table.keys()) {
    const row = table.row(label)!;
    const reward = table.value(row, REWARD);
    if (reward > best.reward) best = { reward, test: table.value(row, TEST), label };
  }
  const controller = new AbortController();
  let trial = 0;
  return {
    decisions: space.decisions,
    source,
    optimum: best,
    tableSize: table.size,
    async score(actions) {
      const architecture = space.decode(actions);
      const label = space.label(architecture);
      const result = await evaluator.evaluate({
        trialId: String(trial++),
        architecture,
        actions,
        label,
        seed: 0,
        signal: controller.signal,
        report: () => undefined,
      });
      return { label, reward: result.reward, test: result.metrics[TEST]! };
    },
  };
}
