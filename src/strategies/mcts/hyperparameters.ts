/** MCTS's knobs; the defaults were tuned on NAS-Bench-201 (bench/search/tune.ts, tuning seeds). */
import { resolveParams, type ResolvedParams } from '../hyperparameters.js';

export const MCTS_HYPERPARAMETERS = {
  exploration: {
    kind: 'number',
    default: 0.2,
    min: 0,
    max: 100,
    description: 'c in UCT’s Q + c·√(ln N / n), with Q the mean reward rescaled to [0, 1] by the lowest and highest rewards seen.',
  },
  rollout: {
    kind: 'enum',
    default: 'amaf',
    values: ['random', 'amaf'],
    description:
      "How decisions below the tree are completed: 'random' uniformly; 'amaf' by UCB over every observation's (decision, choice) statistics (all moves as first, Gelly & Silver 2007).",
  },
  maxNodes: {
    kind: 'integer',
    default: 10_000,
    min: 1,
    max: 1_000_000,
    description: 'Tree size bound (one node is added per proposal until then); it bounds memory and the checkpoint, not the search, which continues by rollouts below the tree.',
  },
} as const;

export type MctsHyperparameters = ResolvedParams<typeof MCTS_HYPERPARAMETERS>;

export function resolveMctsHyperparameters(input: unknown): MctsHyperparameters {
  return resolveParams(MCTS_HYPERPARAMETERS, input);
}
