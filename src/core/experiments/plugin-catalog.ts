import type { FieldError } from '../errors.js';
import type { EvaluatorSpec, StrategySpec } from '../storage/records.js';
import type { Decision } from '../../space/types.js';

/**
 * What the experiment service needs to know of strategies and evaluators when it accepts
 * a configuration: which types exist and whether their options make sense for a space.
 * The composition root fills it from the strategy and evaluator registries.
 */
export interface PluginCatalog {
  readonly strategyTypes: readonly string[];
  readonly evaluatorTypes: readonly string[];
  /** Errors with paths relative to the hyperparameters object (e.g. `lstmHidden`). */
  validateStrategy(spec: StrategySpec, decisions: readonly Decision[]): FieldError[];
  /** Errors with paths relative to the options object. */
  validateEvaluator(spec: EvaluatorSpec, space: { kind: string; decisions: readonly Decision[] }): FieldError[];
}
