import type { Issue } from '../errors.js';
import type { Constraint } from '../../evaluation/constraints.js';
import type { Constraints, EvaluatorSpec, StrategySpec } from '../storage/records.js';
import type { Decision } from '../../space/types.js';

/**
 * What the experiment service needs to know of strategies and evaluators when it accepts
 * a configuration: which types exist and whether their options make sense for a space.
 * The composition root fills it from the strategy and evaluator registries.
 */
export interface PluginCatalog {
  readonly strategyTypes: readonly string[];
  readonly evaluatorTypes: readonly string[];
  /** Issues with paths relative to the strategy's configuration (`type`, `hyperparameters.learningRate`). */
  validateStrategy(spec: StrategySpec, decisions: readonly Decision[]): Issue[];
  /** Issues with paths relative to the evaluator's options object (`rewardColumn`). */
  validateEvaluator(spec: EvaluatorSpec, space: { kind: string; decisions: readonly Decision[] }): Issue[];
  /** The constraints folded into an experiment's rewards: the evaluator's own options' and the experiment's limits. */
  constraintsOf(spec: EvaluatorSpec, limits: Constraints): Constraint[];
}
