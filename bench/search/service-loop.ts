/**
 * One search, run the way the experiment scheduler (src/core/scheduler) runs it, on a
 * simulated clock so that it is fast and repeatable:
 *
 * - up to `parallelTrials` evaluations in flight, and `maxTrials` counts evaluations,
 *   not proposals;
 * - every pass first feeds the strategy all finished results, then proposes into the free
 *   slots; a proposed architecture already evaluated is answered from that trial (free,
 *   observed by the strategy like any result), one being evaluated right now is dropped
 *   (never observed), and `maxConsecutiveDuplicates` proposals in a row that were not
 *   fresh end the search as converged;
 * - evaluation times are drawn uniformly from [0.5, 1.5) with a generator of their own,
 *   so with several in flight trials finish out of order, as real training does.
 *
 * Only the strategy's own calls are timed.
 */
import { performance } from 'node:perf_hooks';
import type { Observation, SearchStrategy } from '../../src/strategies/strategy.js';
import { Random } from '../../src/random/index.js';
import type { Problem, Scored } from './nb201-problem.js';

export interface LoopSettings {
  readonly maxTrials: number;
  readonly parallelTrials: number;
  readonly maxConsecutiveDuplicates: number;
}

/** The scheduler's defaults (src/core/experiments/experiment-config.ts). */
export const SERVICE_DEFAULTS = { parallelTrials: 4, maxConsecutiveDuplicates: 100 } as const;

export type EndReason = 'maxTrials' | 'converged' | 'exhausted';

export interface SearchRun {
  /** Fresh evaluations in the order they were started. */
  readonly evaluations: readonly Scored[];
  /** Per fresh evaluation, the proposals made up to and including it. */
  readonly proposalsAt: readonly number[];
  /** The outcome of every proposal in order (fresh, answered or dropped). */
  readonly proposals: readonly Scored[];
  readonly end: EndReason;
  /** Strategy time (propose + observe) over the whole search. */
  readonly strategyMs: number;
}

interface Running {
  readonly finish: number;
  readonly observation: Observation;
  readonly key: string;
}

export function durationStream(seed: number): Random {
  // A fixed offset keeps this stream apart from the strategy's, which uses `seed` itself.
  return Random.fromSeed(seed + 0x5eed_0000);
}

export async function runService(strategy: SearchStrategy, problem: Problem, settings: LoopSettings, seed: number): Promise<SearchRun> {
  const durations = durationStream(seed);
  const evaluations: Scored[] = [];
  const proposalsAt: number[] = [];
  const proposals: Scored[] = [];
  const finished = new Map<string, Scored>();
  const running: Running[] = [];
  let unobserved: Observation[] = [];
  let consecutive = 0;
  let clock = 0;
  let strategyMs = 0;
  for (;;) {
    if (unobserved.length > 0) {
      const t0 = performance.now();
      await strategy.observe(unobserved);
      strategyMs += performance.now() - t0;
      unobserved = [];
    }
    if (running.length === 0) {
      if (evaluations.length >= settings.maxTrials) return { evaluations, proposalsAt, proposals, end: 'maxTrials', strategyMs };
      if (consecutive >= settings.maxConsecutiveDuplicates) return { evaluations, proposalsAt, proposals, end: 'converged', strategyMs };
      if (evaluations.length >= problem.tableSize) return { evaluations, proposalsAt, proposals, end: 'exhausted', strategyMs };
    }
    const slots = Math.min(settings.parallelTrials - running.length, settings.maxTrials - evaluations.length);
    if (slots > 0 && consecutive < settings.maxConsecutiveDuplicates) {
      const t0 = performance.now();
      const batch = await strategy.propose(slots);
      strategyMs += performance.now() - t0;
      let fresh = 0;
      for (const p of batch) {
        const scored = problem.score(p.actions);
        const key = scored.label;
        const observation: Observation = { actions: p.actions, reward: scored.reward, policyVersion: p.policyVersion };
        proposals.push(scored);
        if (!finished.has(key) && !running.some((r) => r.key === key)) {
          evaluations.push(scored);
          proposalsAt.push(proposals.length);
          running.push({ finish: clock + durations.uniform(0.5, 1.5), observation, key });
          fresh++;
          consecutive = 0;
        } else {
          if (finished.has(key)) unobserved.push(observation);
          consecutive++;
        }
      }
      if (fresh < slots && consecutive < settings.maxConsecutiveDuplicates) continue;
    }
    if (running.length === 0) continue;
    let next = 0;
    for (let i = 1; i < running.length; i++) if (running[i]!.finish < running[next]!.finish) next = i;
    const [done] = running.splice(next, 1);
    clock = done!.finish;
    finished.set(done!.key, problem.score(done!.observation.actions));
    unobserved.push(done!.observation);
  }
}
