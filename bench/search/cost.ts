/**
 * Controller cost per architecture: propose(1) + observe of one strategy, sequentially,
 * every proposal observed (repeats too, so the history grows by one per call), timed call
 * by call and averaged within windows of trial numbers, e.g. trials 81–100 and 1981–2000:
 * what one more architecture costs once the strategy holds that much history.
 */
import { performance } from 'node:perf_hooks';
import { createStrategy } from '../../src/strategies/registry.js';
import type { Problem } from './nb201-problem.js';

export async function strategyCost(type: string, problem: Problem, trials: number, windows: readonly (readonly [number, number])[], seed: number): Promise<number[]> {
  const strategy = createStrategy(problem.decisions, { type }, seed);
  const times: number[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      const start = performance.now();
      const [p] = await strategy.propose(1);
      await strategy.observe([{ actions: p!.actions, reward: problem.score(p!.actions).reward, policyVersion: p!.policyVersion }]);
      times.push(performance.now() - start);
    }
  } finally {
    strategy.dispose();
  }
  return windows.map(([from, to]) => times.slice(from - 1, to).reduce((a, b) => a + b, 0) / (to - from + 1));
}
