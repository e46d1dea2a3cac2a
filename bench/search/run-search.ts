/**
 * One search, run the way the scheduler runs it with one trial in flight: propose one
 * architecture, evaluate it, observe its reward. Every proposal is a trial, duplicates
 * included (a strategy that re-proposes a cell pays for it), and only the strategy's own
 * calls are timed.
 */
import { performance } from 'node:perf_hooks';
import type { SearchStrategy } from '../../src/strategies/strategy.js';
import type { Problem } from './nb201-problem.js';

export interface Checkpoint {
  readonly trials: number;
  /** Best reward (cifar10-val) among the first `trials` trials. */
  readonly bestReward: number;
  /** The held-out metric (cifar10-test) of that best cell: what a user would deploy. */
  readonly pickedTest: number;
  readonly pickedLabel: string;
  /** Strategy time (propose + observe) over the first `trials` trials, per trial. */
  readonly msPerArchitecture: number;
  readonly distinct: number;
}

export async function runSearch(strategy: SearchStrategy, problem: Problem, checkpoints: readonly number[]): Promise<Checkpoint[]> {
  const budget = Math.max(...checkpoints);
  const out: Checkpoint[] = [];
  const seen = new Set<string>();
  let best = { reward: -Infinity, test: Number.NaN, label: '' };
  let strategyMs = 0;
  for (let trial = 1; trial <= budget; trial++) {
    const start = performance.now();
    const [proposal] = await strategy.propose(1);
    strategyMs += performance.now() - start;
    const scored = await problem.score(proposal!.actions);
    seen.add(scored.label);
    if (scored.reward > best.reward) best = scored;
    const observeStart = performance.now();
    await strategy.observe([{ actions: proposal!.actions, reward: scored.reward, policyVersion: proposal!.policyVersion }]);
    strategyMs += performance.now() - observeStart;
    if (checkpoints.includes(trial)) {
      out.push({ trials: trial, bestReward: best.reward, pickedTest: best.test, pickedLabel: best.label, msPerArchitecture: strategyMs / trial, distinct: seen.size });
    }
  }
  return out;
}
