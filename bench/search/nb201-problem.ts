/**
 * The benchmark's problem: the NAS-Bench-201 cell space compiled by the project's own
 * space compiler (from examples/nb201-cell.json when present, the built-in definition
 * otherwise), scored on the shipped 12-epoch table through the tabular evaluator's own
 * table binding, with one of its validation columns as reward and the matching test
 * column held out.
 *
 * Every cell is scored once up front (15,625 lookups), so a search's evaluation is a map
 * read and the Optuna peer can be handed the very same numbers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSpace, NB201_DEFINITION } from '../../src/space/index.js';
import type { Actions, Decision } from '../../src/space/types.js';
import { INACTIVE } from '../../src/space/types.js';
import { isActive } from '../../src/strategies/actions.js';
import { TabularEvaluator } from '../../src/evaluation/tabular/index.js';
import { packageRoot } from '../../src/evaluation/tabular/package-root.js';

export const REWARD_COLUMNS = ['cifar10-val', 'cifar100-val', 'imagenet-val'] as const;
export type RewardColumn = (typeof REWARD_COLUMNS)[number];

export interface Scored {
  readonly label: string;
  readonly reward: number;
  readonly test: number;
}

export interface Problem {
  readonly decisions: readonly Decision[];
  readonly source: string;
  readonly reward: RewardColumn;
  readonly test: string;
  /** Best reward in the table, and that cell's test value. */
  readonly optimum: { readonly reward: number; readonly test: number; readonly label: string };
  readonly tableSize: number;
  score(actions: Actions): Scored;
  /** Every valid action sequence with its score. */
  readonly cells: ReadonlyMap<string, { readonly actions: readonly number[]; readonly scored: Scored }>;
}

/** All valid action sequences of a decision list, in lexicographic order. */
export function enumerateActions(decisions: readonly Decision[]): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[]): void => {
    if (prefix.length === decisions.length) {
      out.push([...prefix]);
      return;
    }
    const d = decisions[prefix.length]!;
    if (!isActive(d, prefix)) {
      walk([...prefix, INACTIVE]);
      return;
    }
    for (let c = 0; c < d.choices.length; c++) walk([...prefix, c]);
  };
  walk([]);
  return out;
}

export async function loadNb201Problem(reward: RewardColumn = 'cifar10-val'): Promise<Problem> {
  const examplePath = join(packageRoot(), 'examples', 'nb201-cell.json');
  const source = existsSync(examplePath) ? 'examples/nb201-cell.json' : 'NB201_DEFINITION (src/space)';
  const definition: unknown = existsSync(examplePath) ? JSON.parse(readFileSync(examplePath, 'utf8')) : NB201_DEFINITION;
  const compiled = compileSpace(definition);
  if (!compiled.ok) throw new Error(`cannot compile the NAS-Bench-201 space: ${JSON.stringify(compiled.errors)}`);
  const space = compiled.space;
  const evaluator = new TabularEvaluator({ type: 'tabular', rewardColumn: reward });
  const { table, testColumn } = await evaluator.load();
  if (testColumn === null) throw new Error(`the table has no test column for ${reward}`);
  const cells = new Map<string, { actions: number[]; scored: Scored }>();
  let optimum: Scored | undefined;
  for (const actions of enumerateActions(space.decisions)) {
    const label = space.label(space.decode(actions));
    const row = table.row(label);
    if (row === undefined) throw new Error(`${label} is not in the table`);
    const scored = { label, reward: table.value(row, reward), test: table.value(row, testColumn) };
    cells.set(actions.join(','), { actions, scored });
    if (optimum === undefined || scored.reward > optimum.reward) optimum = scored;
  }
  if (cells.size !== table.size) throw new Error(`the space has ${cells.size} cells, the table ${table.size} rows`);
  return {
    decisions: space.decisions,
    source,
    reward,
    test: testColumn,
    optimum: optimum!,
    tableSize: table.size,
    cells,
    score(actions) {
      const cell = cells.get(actions.join(','));
      if (cell === undefined) throw new Error(`not a cell of the space: ${actions.join(',')}`);
      return cell.scored;
    },
  };
}
