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
  /** How the evaluator retrains finalists (src/core/finalization), with `overrides` checked. */
  finalPlan(spec: EvaluatorSpec, overrides: Readonly<Record<string, unknown>>): Promise<FinalPlan>;
}

export interface FinalPlan {
  /** The options overlaid on the search's for every finalist: the dataset's final defaults, the overrides on top. */
  readonly budget: Readonly<Record<string, unknown>>;
  /** Problems with the overrides; paths relative to the budget object. */
  readonly issues: readonly Issue[];
  /** Why this experiment cannot be finalised at all (its data has no test split), or null. */
  readonly unavailable: string | null;
  /** Seeds per finalist when none are asked for: 1 where the evaluator is deterministic whatever the seed (a table). */
  readonly defaultSeeds: number;
  /** Whether finalists come back with a model to export. */
  readonly keepsModel: boolean;
  /** Whether `inheritWeights` means anything to this evaluator. */
  readonly inheritance: boolean;
}
