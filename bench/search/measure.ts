/** What one search found within a budget, counted as the service counts (evaluations) and per proposal. */
import type { Scored } from './nb201-problem.js';
import type { SearchRun } from './service-loop.js';

export interface AtBudget {
  readonly budget: number;
  /** Best reward among the first `budget` evaluations (all of them if the search ended before). */
  readonly bestReward: number;
  /** The held-out test value of that cell: what a user would deploy. */
  readonly pickedTest: number;
  readonly pickedLabel: string;
  /** Proposals made by the time of the `budget`-th evaluation (or by the end). */
  readonly proposals: number;
  /** Whether the search ended (converged) before reaching the budget. */
  readonly endedEarly: boolean;
  /** Best reward among the first `budget` proposals, repeats included: the old per-proposal count. */
  readonly bestPerProposal: number;
}

function best(items: readonly Scored[], n: number): Scored {
  let top = items[0]!;
  for (let i = 1; i < Math.min(n, items.length); i++) if (items[i]!.reward > top.reward) top = items[i]!;
  return top;
}

export function atBudget(run: SearchRun, budget: number): AtBudget {
  const reached = run.evaluations.length >= budget;
  const top = best(run.evaluations, budget);
  return {
    budget,
    bestReward: top.reward,
    pickedTest: top.test,
    pickedLabel: top.label,
    proposals: reached ? run.proposalsAt[budget - 1]! : run.proposals.length,
    endedEarly: !reached,
    bestPerProposal: best(run.proposals, budget).reward,
  };
}
