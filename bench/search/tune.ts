/**
 * How the reinforce defaults were chosen: each candidate hyperparameter set runs on
 * TUNING seeds (1000+ by default, disjoint from the benchmark's 0…N−1, so the reported
 * comparison is not selected on its own data), sharing the benchmark's protocol.
 *
 *   node dist/bench/search/tune.js '[{"learningRate":0.05},{"batchSize":1}]' [--type reinforce|evolution] [--seeds 40] [--seed-offset 1000] [--budgets 100,200,500]
 *
 * Prints, per candidate, mean ± standard error of the best cifar10-val at each budget and
 * the one-sided Welch p-value against random search on the same seeds.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { createStrategy } from '../../src/strategies/registry.js';
import { loadNb201Problem } from './nb201-problem.js';
import { runSearch, type Checkpoint } from './run-search.js';
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
  const budgets = (argValue(args, '--budgets') ?? '100,200').split(',').map(Number);
  const type = argValue(args, '--type') ?? 'reinforce';
  await tf.setBackend(argValue(args, '--backend') ?? 'wasm');
  const problem = await loadNb201Problem();
  const seeds = Array.from({ length: seedCount }, (_, i) => seedOffset + i);

  const collect = async (type: string, hyperparameters: Record<string, unknown>): Promise<Checkpoint[][]> => {
    const out: Checkpoint[][] = [];
    for (const seed of seeds) {
      const strategy = createStrategy(problem.decisions, { type, hyperparameters }, seed);
      out.push(await runSearch(strategy, problem, budgets));
      strategy.dispose();
    }
    return out;
  };
  const best = (runs: Checkpoint[][], budget: number): number[] => runs.map((r) => r.find((c) => c.trials === budget)!.bestReward);
  const line = (name: string, runs: Checkpoint[][], baseline?: Checkpoint[][]): string =>
    `${name.padEnd(60)} ` +
    budgets
      .map((b) => {
        const s = summarize(best(runs, b));
        const p = baseline === undefined ? '' : ` p=${welchGreater(best(runs, b), best(baseline, b)).pGreater.toFixed(3)}`;
        const distinct = summarize(runs.map((r) => r.find((c) => c.trials === b)!.distinct)).mean;
        return `@${b}: ${s.mean.toFixed(3)}±${(s.std / Math.sqrt(s.n)).toFixed(3)}${p} d=${distinct.toFixed(0)}`;
      })
      .join('  ');
  const random = await collect('random', {});
  console.log(line('random', random));
  for (const candidate of candidates) {
    const started = Date.now();
    const runs = await collect(type, candidate);
    const ms = summarize(runs.map((r) => r[r.length - 1]!.msPerArchitecture)).mean;
    console.log(`${line(JSON.stringify(candidate), runs, random)}  ${ms.toFixed(2)}ms/arch ${((Date.now() - started) / 1000).toFixed(0)}s`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
