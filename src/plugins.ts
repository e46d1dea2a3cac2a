import type { Issue } from './core/errors.js';
import type { PluginCatalog } from './core/experiments/plugin-catalog.js';
import type { EvaluatorFactory } from './core/scheduler/evaluator-factory.js';
import { EVALUATOR_TYPES, evaluatorType } from './evaluation/registry.js';
import { STRATEGY_TYPES, StrategyConfigError, validateStrategyConfig } from './strategies/index.js';

/** The strategies and evaluators this build offers, with their option checks. */
export function createPluginCatalog(): PluginCatalog {
  return {
    strategyTypes: STRATEGY_TYPES.map((t) => t.type),
    evaluatorTypes: EVALUATOR_TYPES.map((t) => t.type),
    validateStrategy(spec): Issue[] {
      try {
        validateStrategyConfig({ type: spec.type, hyperparameters: spec.hyperparameters });
        return [];
      } catch (error) {
        if (error instanceof StrategyConfigError) return [...error.issues];
        throw error;
      }
    },
    validateEvaluator(spec): Issue[] {
      return evaluatorType(spec.type)?.validate(spec.options) ?? [];
    },
    constraintsOf(spec, limits) {
      return evaluatorType(spec.type)?.constraints(spec.options, limits) ?? [];
    },
  };
}

export function createEvaluatorFactory(): EvaluatorFactory {
  return {
    create(spec, constraints) {
      const type = evaluatorType(spec.type);
      if (!type) throw new Error(`unknown evaluator type ${spec.type}`);
      return type.create(spec.options, constraints);
    },
  };
}
