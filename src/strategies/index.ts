export type { Observation, Proposal, SearchStrategy, StrategyConfig, StrategyFactory, StrategySnapshot, StrategyStats } from './strategy.js';
export { createStrategy, defaultHyperparameters, STRATEGY_TYPES, strategyType, validateStrategyConfig, type StrategyType } from './registry.js';
export { StrategyConfigError, type ParamSchema, type ParamSpec } from './hyperparameters.js';
export { SnapshotError } from './snapshot.js';
export { InvalidActionsError, assertValidActions, isActive, sampleUniformActions } from './actions.js';
export { RandomStrategy } from './random.strategy.js';
export { EvolutionStrategy, type EvolutionHyperparameters } from './evolution.strategy.js';
export { ReinforceStrategy } from './reinforce/reinforce.strategy.js';
export type { ReinforceHyperparameters } from './reinforce/hyperparameters.js';
