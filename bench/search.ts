/**
 * `npm run bench:search`: reinforce vs regularized evolution vs random search on the
 * NAS-Bench-201 table (cifar10-val as reward), many seeds per budget. Writes
 * bench/results/search.json and search.md; `--quick` is a smoke run that writes nothing
 * unless `--write` is given.
 *
 * Options: --quick, --seeds N, --seed-offset K, --budgets 100,200,500,
 * --backend wasm|cpu, --write, --no-write.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createStrategy, defaultHyperparameters } from '../src/strategies/registry.js';
import { packageRoot } from '../src/evaluation/tabular/package-root.js';
import { loadNb201Problem } from './search/nb201-problem.js';
import { runSearch, type Checkpoint } from './search/run-search.js';
import { summarize, welchGreater, type Summary, type WelchResult } from './search/statistics.js';
import { renderMarkdown } from './search/report.js';

export const STRATEGIES = ['reinforce', 'evolution', 'random'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export interface Cell {
  readonly strategy: StrategyName;
  readonly budget: number;
  readonly bestReward: Summary;
  readonly pickedTest: Summary;
  readonly msPerArchitecture: Summary;
  readonly distinct: Summary;
  readonly perSeed: { readonly bestReward: number[]; readonly pickedTest: number[] };
}

export interface Comparison {
  readonly budget: number;
  readonly a: StrategyName;
  readonly b: StrategyName;
  readonly metric: 'bestReward' | 'pickedTest';
  readonly welch: WelchResult;
}

export interface BenchResult {
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly backend: string;
  readonly node: string;
  readonly space: string;
  readonly table: { readonly path: string; readonly rows: number; readonly reward: string; readonly test: string };
  readonly optimum: { readonly reward: number; readonly test: number; readonly label: string };
  readonly protocol: string;
  readonly seeds: readonly number[];
  readonly budgets: readonly number[];
  readonly hyperparameters: Readonly<Record<StrategyName, Readonly<Record<string, unknown>>>>;
  readonly cells: readonly Cell[];
  readonly comparisons: readonly Comparison[];
  readonly wallSeconds: number;
}

export const PROTOCOL =
  'Sequential, one trial in flight: propose(1) → table lookup → observe. Every proposal counts as a trial, duplicates included, for every strategy. ' +
  'Each seed runs one search of the largest budget; the result at a smaller budget is that search after its first `budget` trials (no strategy knows the budget). ' +
  'Time per architecture is the strategy’s own propose + observe time, averaged over the first `budget` trials.';

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const seedCount = Number(argValue(args, '--seeds') ?? (quick ? 5 : 50));
  const seedOffset = Number(argValue(args, '--seed-offset') ?? 0);
  const budgets = (argValue(args, '--budgets') ?? (quick ? '100,200' : '100,200,500')).split(',').map(Number);
  const backend = argValue(args, '--backend') ?? 'wasm';
  const write = args.includes('--write') || (!quick && !args.includes('--no-write'));
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available`);
  await tf.ready();

  const problem = await loadNb201Problem();
  const seeds = Array.from({ length: seedCount }, (_, i) => seedOffset + i);
  const started = performance.now();
  console.log(`bench:search — ${quick ? 'quick' : 'full'}, backend ${tf.getBackend()}, ${seeds.length} seeds, budgets ${budgets.join('/')}, space from ${problem.source}`);
  console.log(`optimum cifar10-val ${problem.optimum.reward.toFixed(3)} (cifar10-test ${problem.optimum.test.toFixed(2)}) ${problem.optimum.label}`);

  const runs = new Map<StrategyName, Checkpoint[][]>();
  for (const strategy of STRATEGIES) {
    const t0 = performance.now();
    const perSeed: Checkpoint[][] = [];
    for (const seed of seeds) {
      const instance = createStrategy(problem.decisions, { type: strategy }, seed);
      try {
        perSeed.push(await runSearch(instance, problem, budgets));
      } finally {
        instance.dispose();
      }
    }
    runs.set(strategy, perSeed);
    console.log(`  ${strategy.padEnd(10)} ${seeds.length} searches in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const cells: Cell[] = [];
  for (const budget of budgets) {
    for (const strategy of STRATEGIES) {
      const at = runs.get(strategy)!.map((checkpoints) => checkpoints.find((c) => c.trials === budget)!);
      const bestReward = at.map((c) => c.bestReward);
      const pickedTest = at.map((c) => c.pickedTest);
      cells.push({
        strategy,
        budget,
        bestReward: summarize(bestReward),
        pickedTest: summarize(pickedTest),
        msPerArchitecture: summarize(at.map((c) => c.msPerArchitecture)),
        distinct: summarize(at.map((c) => c.distinct)),
        perSeed: { bestReward, pickedTest },
      });
    }
  }
  const comparisons: Comparison[] = [];
  const pairs: [StrategyName, StrategyName][] = [
    ['reinforce', 'random'],
    ['evolution', 'random'],
    ['reinforce', 'evolution'],
  ];
  for (const budget of budgets) {
    for (const [a, b] of pairs) {
      for (const metric of ['bestReward', 'pickedTest'] as const) {
        const of = (s: StrategyName): number[] => cells.find((c) => c.strategy === s && c.budget === budget)!.perSeed[metric];
        comparisons.push({ budget, a, b, metric, welch: welchGreater(of(a), of(b)) });
      }
    }
  }
  const result: BenchResult = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    backend: tf.getBackend(),
    node: process.version,
    space: problem.source,
    table: { path: 'resources/nb201/nb201-12epoch.csv.gz', rows: problem.tableSize, reward: 'cifar10-val', test: 'cifar10-test' },
    optimum: problem.optimum,
    protocol: PROTOCOL,
    seeds,
    budgets,
    hyperparameters: {
      reinforce: defaultHyperparameters('reinforce'),
      evolution: defaultHyperparameters('evolution'),
      random: defaultHyperparameters('random'),
    },
    cells,
    comparisons,
    wallSeconds: (performance.now() - started) / 1000,
  };
  const markdown = renderMarkdown(result);
  console.log(`\n${markdown}`);
  for (const c of comparisons.filter((c) => c.a === 'reinforce' && c.b === 'random' && c.metric === 'bestReward')) {
    console.log(`Welch one-sided (reinforce > random, best cifar10-val) at ${c.budget} trials: t = ${c.welch.t.toFixed(3)}, df = ${c.welch.df.toFixed(1)}, p = ${c.welch.pGreater.toExponential(3)}`);
  }
  if (write) {
    const dir = join(packageRoot(__dirname), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'search.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, 'search.md'), markdown);
    console.log(`wrote ${join(dir, 'search.json')} and search.md`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
