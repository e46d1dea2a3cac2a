/**
 * `npm run bench:search`: every strategy (reinforce, evolution, tpe, mcts, random) and
 * Optuna's TPESampler as a peer, on the NAS-Bench-201 12-epoch table, through the
 * service's own loop (bench/search/service-loop.ts): best validation reward found within
 * 100/200/500 evaluations, 50 seeds, with cifar10-val as the reward and, with the same
 * defaults, cifar100-val and imagenet-val; Welch tests; controller cost per architecture
 * at 100 and 2,000 trials. Writes bench/results/search.json and search.md; `--quick` is a
 * smoke run that writes nothing unless `--write` is given.
 *
 * Options: --quick, --seeds N, --seed-offset K, --budgets 100,200,500,
 * --columns cifar10-val,cifar100-val,imagenet-val, --parallel 4, --no-peer, --no-cost
 * (--cost with --quick), --cost-seeds 3, --backend wasm|cpu, --write, --no-write,
 * --out NAME (writes bench/results/NAME.json and NAME.md; default search), --note TEXT
 * (a scope note printed under the heading, e.g. why a run has fewer seeds or columns).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createStrategy, defaultHyperparameters } from '../src/strategies/registry.js';
import { packageRoot } from '../src/evaluation/tabular/package-root.js';
import { strategyCost } from './search/cost.js';
import { atBudget } from './search/measure.js';
import { loadNb201Problem, REWARD_COLUMNS, type Problem, type RewardColumn } from './search/nb201-problem.js';
import { findOptuna, peerCost, PEERS, runPeers, type PeerName } from './search/optuna-peer.js';
import { renderMarkdown } from './search/report.js';
import { runService, SERVICE_DEFAULTS, type LoopSettings, type SearchRun } from './search/service-loop.js';
import { summarize, welchGreater, type Summary, type WelchResult } from './search/statistics.js';

export const STRATEGIES = ['reinforce', 'evolution', 'tpe', 'mcts', 'random'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export type Runner = StrategyName | PeerName;

export interface Cell {
  readonly column: RewardColumn;
  readonly runner: Runner;
  readonly budget: number;
  readonly bestReward: Summary;
  readonly pickedTest: Summary;
  readonly proposals: Summary;
  /** Searches that ended (converged) before reaching the budget. */
  readonly endedEarly: number;
  readonly bestPerProposal: Summary;
  /** Strategy (or Optuna ask + tell) time per proposal over the whole search. */
  readonly msPerProposal: Summary;
  readonly perSeed: { readonly bestReward: number[]; readonly pickedTest: number[] };
}

export interface Comparison {
  readonly column: RewardColumn;
  readonly budget: number;
  readonly a: Runner;
  readonly b: Runner;
  readonly welch: WelchResult;
}

export interface CostRow {
  readonly runner: Runner;
  /** Mean ms per architecture within each window, over the cost seeds. */
  readonly windows: readonly number[];
}

export interface BenchResult {
  readonly date: string;
  readonly mode: 'full' | 'quick';
  readonly backend: string;
  readonly node: string;
  readonly optuna: string | null;
  readonly peerNote: string | null;
  readonly space: string;
  readonly table: string;
  readonly columns: readonly { readonly reward: RewardColumn; readonly test: string; readonly optimum: Problem['optimum'] }[];
  readonly protocol: string;
  readonly settings: Omit<LoopSettings, 'maxTrials'>;
  readonly seeds: readonly number[];
  readonly budgets: readonly number[];
  readonly runners: readonly Runner[];
  readonly hyperparameters: Readonly<Record<StrategyName, Readonly<Record<string, unknown>>>>;
  readonly cells: readonly Cell[];
  readonly comparisons: readonly Comparison[];
  readonly cost: { readonly windows: readonly (readonly [number, number])[]; readonly seeds: number; readonly rows: readonly CostRow[] } | null;
  readonly wallSeconds: number;
  /** Why this run departs from the full protocol (fewer seeds or columns), when it does. */
  readonly note: string | null;
}

export const PROTOCOL =
  'The service’s loop on a simulated clock (bench/search/service-loop.ts): parallelTrials in flight, evaluation times uniform in [0.5, 1.5) so trials finish out of order; ' +
  'the budget counts evaluations: a repeat of a finished architecture is answered from it (free, and fed to the strategy like any result), a repeat of one in flight is dropped, ' +
  'and maxConsecutiveDuplicates proposals in a row that were not fresh end the search as converged. ' +
  'Each seed runs one search of the largest budget; the result at a smaller budget is the best of its first `budget` evaluations. ' +
  '"proposals" counts every proposal up to the `budget`-th evaluation; "best per proposal" is the best of the first `budget` proposals (repeats count), the count the previous bench used. ' +
  'Optuna runs the same loop in Python (bench/search/optuna_peer.py) on the same table values, seeds and evaluation times, concurrently with our strategies; a repeat in flight is told FAIL there. ' +
  'Time per proposal is the strategy’s own propose + observe time (Optuna: ask + tell) over the search.';

const COST_WINDOWS: readonly (readonly [number, number])[] = [
  [81, 100],
  [1981, 2000],
];

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function cellOf(column: RewardColumn, runner: Runner, budget: number, runs: readonly SearchRun[]): Cell {
  const at = runs.map((r) => atBudget(r, budget));
  const bestReward = at.map((a) => a.bestReward);
  const pickedTest = at.map((a) => a.pickedTest);
  return {
    column,
    runner,
    budget,
    bestReward: summarize(bestReward),
    pickedTest: summarize(pickedTest),
    proposals: summarize(at.map((a) => a.proposals)),
    endedEarly: at.filter((a) => a.endedEarly).length,
    bestPerProposal: summarize(at.map((a) => a.bestPerProposal)),
    msPerProposal: summarize(runs.map((r) => r.strategyMs / Math.max(1, r.proposals.length))),
    perSeed: { bestReward, pickedTest },
  };
}

const PAIRS: readonly [Runner, Runner][] = [
  ['reinforce', 'random'],
  ['evolution', 'random'],
  ['tpe', 'random'],
  ['mcts', 'random'],
  ['reinforce', 'evolution'],
  ['evolution', 'reinforce'],
  ['tpe', 'evolution'],
  ['tpe', 'optuna-tpe'],
  ['optuna-tpe', 'tpe'],
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const seedCount = Number(argValue(args, '--seeds') ?? (quick ? 5 : 50));
  const seedOffset = Number(argValue(args, '--seed-offset') ?? 0);
  const budgets = (argValue(args, '--budgets') ?? (quick ? '100,200' : '100,200,500')).split(',').map(Number);
  const columns = (argValue(args, '--columns') ?? (quick ? 'cifar10-val' : REWARD_COLUMNS.join(','))).split(',') as RewardColumn[];
  for (const c of columns) if (!REWARD_COLUMNS.includes(c)) throw new Error(`--columns: ${c} is not one of ${REWARD_COLUMNS.join(', ')}`);
  const parallelTrials = Number(argValue(args, '--parallel') ?? SERVICE_DEFAULTS.parallelTrials);
  const backend = argValue(args, '--backend') ?? 'wasm';
  const costSeeds = Number(argValue(args, '--cost-seeds') ?? (quick ? 1 : 3));
  // Optuna needs minutes for 2,000 trials: a smoke run leaves the cost table out unless asked.
  const withCost = quick ? args.includes('--cost') : !args.includes('--no-cost');
  const write = args.includes('--write') || (!quick && !args.includes('--no-write'));
  const out = argValue(args, '--out') ?? 'search';
  if (!/^[\w.-]+$/.test(out)) throw new Error(`--out: ${out} is not a plain file name`);
  const note = argValue(args, '--note') ?? null;
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} is not available`);
  await tf.ready();

  const optuna = args.includes('--no-peer') ? { python: null, reason: '--no-peer' } : findOptuna();
  if (optuna.python === null) console.log(`Optuna peer skipped: ${optuna.reason}`);
  const runners: Runner[] = [...STRATEGIES, ...(optuna.python === null ? [] : PEERS)];
  const seeds = Array.from({ length: seedCount }, (_, i) => seedOffset + i);
  const settings: LoopSettings = { maxTrials: Math.max(...budgets), parallelTrials, maxConsecutiveDuplicates: SERVICE_DEFAULTS.maxConsecutiveDuplicates };
  const started = performance.now();
  console.log(`bench:search — ${quick ? 'quick' : 'full'}, backend ${tf.getBackend()}, ${seeds.length} seeds, budgets ${budgets.join('/')}, parallelTrials ${parallelTrials}, columns ${columns.join(', ')}`);

  const cells: Cell[] = [];
  const comparisons: Comparison[] = [];
  const problems: Problem[] = [];
  for (const column of columns) {
    const problem = await loadNb201Problem(column);
    problems.push(problem);
    console.log(`${column}: optimum ${problem.optimum.reward.toFixed(3)} (${problem.test} ${problem.optimum.test.toFixed(2)}) ${problem.optimum.label}`);
    const peers = optuna.python === null ? null : runPeers(optuna.python, problem, settings, seeds);
    const runs = new Map<Runner, SearchRun[]>();
    for (const strategy of STRATEGIES) {
      const t0 = performance.now();
      const perSeed: SearchRun[] = [];
      for (const seed of seeds) {
        const instance = createStrategy(problem.decisions, { type: strategy }, seed);
        try {
          perSeed.push(await runService(instance, problem, settings, seed));
        } finally {
          instance.dispose();
        }
        // The searches settle in microtasks only: without a turn of the event loop the table
        // never reaches the Optuna child's stdin, and the peer waits for all of ours.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      runs.set(strategy, perSeed);
      console.log(`  ${strategy.padEnd(20)} ${seeds.length} searches in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (peers !== null) {
      const t0 = performance.now();
      for (const [peer, peerRuns] of await peers) runs.set(peer, peerRuns);
      console.log(`  Optuna peers done ${((performance.now() - t0) / 1000).toFixed(1)} s after ours`);
    }
    for (const budget of budgets) for (const runner of runners) cells.push(cellOf(column, runner, budget, runs.get(runner)!));
    for (const budget of budgets) {
      for (const [a, b] of PAIRS) {
        if (!runners.includes(a) || !runners.includes(b)) continue;
        const of = (r: Runner): number[] => cells.find((c) => c.column === column && c.runner === r && c.budget === budget)!.perSeed.bestReward;
        comparisons.push({ column, budget, a, b, welch: welchGreater(of(a), of(b)) });
      }
    }
  }

  let cost: BenchResult['cost'] = null;
  if (withCost) {
    const problem = problems[0]!;
    const trials = COST_WINDOWS[COST_WINDOWS.length - 1]![1];
    const rows: CostRow[] = [];
    for (const strategy of STRATEGIES) {
      const perSeed: number[][] = [];
      for (let s = 0; s < costSeeds; s++) perSeed.push(await strategyCost(strategy, problem, trials, COST_WINDOWS, seedOffset + s));
      rows.push({ runner: strategy, windows: COST_WINDOWS.map((_, w) => summarize(perSeed.map((p) => p[w]!)).mean) });
      console.log(`  cost ${strategy.padEnd(20)} ${rows[rows.length - 1]!.windows.map((ms) => `${ms.toFixed(3)} ms`).join(' → ')}`);
    }
    if (optuna.python !== null) {
      for (const [peer, windows] of await peerCost(optuna.python, problem, trials, COST_WINDOWS)) {
        rows.push({ runner: peer, windows });
        console.log(`  cost ${peer.padEnd(20)} ${windows.map((ms) => `${ms.toFixed(3)} ms`).join(' → ')}`);
      }
    }
    cost = { windows: COST_WINDOWS, seeds: costSeeds, rows };
  }

  const result: BenchResult = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    backend: tf.getBackend(),
    node: process.version,
    optuna: optuna.python === null ? null : optuna.version,
    peerNote: optuna.python === null ? optuna.reason : null,
    space: problems[0]!.source,
    table: 'resources/nb201/nb201-12epoch.csv.gz',
    columns: problems.map((p) => ({ reward: p.reward, test: p.test, optimum: p.optimum })),
    protocol: PROTOCOL,
    settings: { parallelTrials, maxConsecutiveDuplicates: settings.maxConsecutiveDuplicates },
    seeds,
    budgets,
    runners,
    hyperparameters: Object.fromEntries(STRATEGIES.map((s) => [s, defaultHyperparameters(s)])) as BenchResult['hyperparameters'],
    cells,
    comparisons,
    cost,
    wallSeconds: (performance.now() - started) / 1000,
    note,
  };
  const markdown = renderMarkdown(result);
  console.log(`\n${markdown}`);
  if (write) {
    const dir = join(packageRoot(__dirname), 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${out}.json`), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, `${out}.md`), markdown);
    console.log(`wrote ${join(dir, `${out}.json`)} and ${out}.md`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
