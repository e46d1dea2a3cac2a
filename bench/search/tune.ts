/**
 * How the defaults were chosen: each candidate hyperparameter set runs on TUNING seeds
 * (1000+ by default, disjoint from the benchmark's 0…N−1, so the reported comparison is
 * not selected on its own data), under the benchmark's protocol (bench/search/service-loop.ts).
 *
 *   node dist/bench/search/tune.js '[{"learningRate":0.05},{"batchSize":1}]' [--type reinforce|evolution|tpe|mcts]
 *     [--seeds 40] [--seed-offset 1000] [--budgets 100,200,500] [--column cifar10-val] [--parallel 4] [--baseline evolution]
 *
 * Prints, per candidate, mean ± standard error of the best reward at each budget and the
 * one-sided Welch p-value against the baseline strategy's defaults on the same seeds.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createStrategy } from '../../src/strategies/registry.js';
import { loadNb201Problem, REWARD_COLUMNS, type RewardColumn } from './nb201-problem.js';
import { atBudget } from './measure.js';
import { runService, SERVICE_DEFAULTS, type SearchRun } from './service-loop.js';
import { summarize, welchGreater } from './statistics.js';

function argValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const candidates = JSON.parse(args[0] ?? '[{}]') as Record<string, unknown>[];
  const seedCount = Number(argValue(args, '--seeds') ?? 40);
  const seedOffset = Number(argValue(args, '--seed-offset') ?? 1000);
  const budgets = (argValue(args, '--budgets') ?? '100,200,500').split(',').map(Number);
  const type = argValue(args, '--type') ?? 'reinforce';
  const baselineType = argValue(args, '--baseline') ?? 'random';
  const column = (argValue(args, '--column') ?? 'cifar10-val') as RewardColumn;
  if (!REWARD_COLUMNS.includes(column)) throw new Error(`--column must be one of ${REWARD_COLUMNS.join(', ')}`);
  const parallelTrials = Number(argValue(args, '--parallel') ?? SERVICE_DEFAULTS.parallelTrials);
  await tf.setBackend(argValue(args, '--backend') ?? 'wasm');
  const problem = await loadNb201Problem(column);
  const seeds = Array.from({ length: seedCount }, (_, i) => seedOffset + i);
  const settings = { maxTrials: Math.max(...budgets), parallelTrials, maxConsecutiveDuplicates: SERVICE_DEFAULTS.maxConsecutiveDuplicates };

  const collect = async (strategyType: string, hyperparameters: Record<string, unknown>): Promise<SearchRun[]> => {
    const out: SearchRun[] = [];
    for (const seed of seeds) {
      const strategy = createStrategy(problem.decisions, { type: strategyType, hyperparameters }, seed);
      try {
        out.push(await runService(strategy, problem, settings, seed));
      } finally {
        strategy.dispose();
      }
    }
    return out;
  };
  const best = (runs: readonly SearchRun[], budget: number): number[] => runs.map((r) => atBudget(r, budget).bestReward);
  const line = (name: string, runs: readonly SearchRun[], baseline?: readonly SearchRun[]): string =>
    `${name.padEnd(60)} ` +
    budgets
      .map((b) => {
        const s = summarize(best(runs, b));
        const p = baseline === undefined ? '' : ` p=${welchGreater(best(runs, b), best(baseline, b)).pGreater.toFixed(3)}`;
        const proposals = summarize(runs.map((r) => atBudget(r, b).proposals)).mean;
        const early = runs.filter((r) => atBudget(r, b).endedEarly).length;
        return `@${b}: ${s.mean.toFixed(3)}±${(s.std / Math.sqrt(s.n)).toFixed(3)}${p} prop=${proposals.toFixed(0)}${early > 0 ? ` conv=${early}` : ''}`;
      })
      .join('  ');
  const baseline = await collect(baselineType, {});
  console.log(line(`${baselineType} (defaults)`, baseline));
  for (const candidate of candidates) {
    const started = Date.now();
    const runs = await collect(type, candidate);
    const ms = summarize(runs.map((r) => r.strategyMs / Math.max(1, r.proposals.length))).mean;
    console.log(`${line(JSON.stringify(candidate), runs, baseline)}  ${ms.toFixed(2)}ms/arch ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
