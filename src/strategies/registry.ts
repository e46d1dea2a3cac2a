/**
 * The strategy types a user can pick, their hyperparameters with defaults, and the one
 * factory the experiment service calls. Validation happens here, at experiment creation,
 * so a typo in a hyperparameter is a 400 with a field path, not a crash mid-search.
 */
import type { Decision } from '../space/types.js';
import type { SearchStrategy, StrategyConfig, StrategyFactory } from './strategy.js';
import { EVOLUTION_HYPERPARAMETERS, EvolutionStrategy, resolveEvolutionHyperparameters } from './evolution.strategy.js';
import { defaultParams, resolveParams, StrategyConfigError, type ParamSchema } from './hyperparameters.js';
import { MCTS_HYPERPARAMETERS, resolveMctsHyperparameters } from './mcts/hyperparameters.js';
import { MctsStrategy } from './mcts/mcts.strategy.js';
import { RANDOM_HYPERPARAMETERS, RandomStrategy } from './random.strategy.js';
import { REINFORCE_HYPERPARAMETERS, resolveReinforceHyperparameters } from './reinforce/hyperparameters.js';
import { ReinforceStrategy } from './reinforce/reinforce.strategy.js';
import { resolveTpeHyperparameters, TPE_HYPERPARAMETERS } from './tpe/hyperparameters.js';
import { TpeStrategy } from './tpe/tpe.strategy.js';

export interface StrategyType {
  readonly type: string;
  readonly description: string;
  readonly hyperparameters: ParamSchema;
  /** Throws StrategyConfigError; returns the hyperparameters with defaults filled in. */
  readonly validate: (hyperparameters: unknown) => Readonly<Record<string, unknown>>;
  readonly create: StrategyFactory;
}

export const STRATEGY_TYPES: readonly StrategyType[] = [
  {
    type: 'reinforce',
    description: 'An LSTM policy over the decisions, trained with REINFORCE (Zoph & Le 2017; ENAS) and a pull towards the best architectures found (priority-queue training).',
    hyperparameters: REINFORCE_HYPERPARAMETERS,
    validate: resolveReinforceHyperparameters,
    create: (decisions, config, seed) => new ReinforceStrategy(decisions, config.hyperparameters, seed),
  },
  {
    type: 'evolution',
    description: 'Regularized evolution (Real et al. 2019): tournament selection, one-decision mutation, age-based removal.',
    hyperparameters: EVOLUTION_HYPERPARAMETERS,
    validate: resolveEvolutionHyperparameters,
    create: (decisions, config, seed) => new EvolutionStrategy(decisions, config.hyperparameters, seed),
  },
  {
    type: 'tpe',
    description: 'Tree-structured Parzen Estimator (Bergstra et al. 2011) as Optuna runs it: multivariate over groups of decisions that apply together, categorical kernels, constant liar for trials in flight.',
    hyperparameters: TPE_HYPERPARAMETERS,
    validate: resolveTpeHyperparameters,
    create: (decisions, config, seed) => new TpeStrategy(decisions, config.hyperparameters, seed),
  },
  {
    type: 'mcts',
    description: 'Monte Carlo tree search over the decision sequence (UCT): one node expanded per proposal, rollouts below the tree, virtual loss for trials in flight.',
    hyperparameters: MCTS_HYPERPARAMETERS,
    validate: resolveMctsHyperparameters,
    create: (decisions, config, seed) => new MctsStrategy(decisions, config.hyperparameters, seed),
  },
  {
    type: 'random',
    description: 'Uniform random search over valid decision sequences.',
    hyperparameters: RANDOM_HYPERPARAMETERS,
    validate: (hyperparameters) => resolveParams(RANDOM_HYPERPARAMETERS, hyperparameters),
    create: (decisions, config, seed) => new RandomStrategy(decisions, config.hyperparameters, seed),
  },
];

export function strategyType(type: unknown): StrategyType {
  const found = STRATEGY_TYPES.find((t) => t.type === type);
  if (found === undefined) {
    throw StrategyConfigError.at('type', `unknown strategy ${JSON.stringify(type)}; expected one of ${STRATEGY_TYPES.map((t) => t.type).join(', ')}`);
  }
  return found;
}

/** Checks a configuration without building anything (no tensors); returns it with defaults filled in. */
export function validateStrategyConfig(config: StrategyConfig): StrategyConfig & { readonly hyperparameters: Readonly<Record<string, unknown>> } {
  if (config === null || typeof config !== 'object') throw StrategyConfigError.at('', 'strategy config must be an object');
  const entry = strategyType(config.type);
  return { type: entry.type, hyperparameters: entry.validate(config.hyperparameters) };
}

/** The defaults of every strategy type, e.g. for an API's `strategyTypes` query. */
export function defaultHyperparameters(type: string): Readonly<Record<string, unknown>> {
  return defaultParams(strategyType(type).hyperparameters);
}

export const createStrategy: StrategyFactory = (decisions: readonly Decision[], config: StrategyConfig, seed: number): SearchStrategy => {
  const entry = strategyType(config?.type);
  entry.validate(config.hyperparameters);
  return entry.create(decisions, config, seed);
};
