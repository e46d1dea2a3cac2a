import type { Issue } from './core/errors.js';
import type { PluginCatalog } from './core/experiments/plugin-catalog.js';
import type { EvaluatorFactory } from './core/scheduler/evaluator-factory.js';
import type { Evaluator } from './evaluation/evaluator.js';
import { evaluatorOptions, placementIssues, placementOf } from './evaluation/placement.js';
import { EVALUATOR_TYPES, evaluatorType, type ExperimentLimits } from './evaluation/registry.js';
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
      return [...placementIssues(spec), ...(evaluatorType(spec.type)?.validate(evaluatorOptions(spec)) ?? [])];
    },
    constraintsOf(spec, limits) {
      return evaluatorType(spec.type)?.constraints(evaluatorOptions(spec), limits) ?? [];
    },
    async finalPlan(spec, overrides) {
      const type = evaluatorType(spec.type);
      // `external`: its workers read the budget from the claimed trial and train as they see fit.
      if (!type?.final) return { budget: overrides, issues: [], unavailable: null, defaultSeeds: 3, keepsModel: false, inheritance: false };
      return type.final(evaluatorOptions(spec), overrides);
    },
  };
}

/** The service's evaluators: none for a search whose trials only workers evaluate (src/evaluation/placement.ts); a finalization's always. */
export function createEvaluatorFactory(): EvaluatorFactory {
  return {
    create(spec, constraints, stage = 'search') {
      return placementOf(spec) === 'workers' && stage === 'search' ? null : buildEvaluator(spec, constraints);
    },
  };
}

/**
 * An experiment's evaluator wherever it runs: in the service, or in a `graphnas worker`
 * that claimed one of its trials (which builds it whatever the placement says, since the
 * server handed the trial out). Null for `external`, which has no code of ours.
 */
export function buildEvaluator(spec: { readonly type: string; readonly options: Readonly<Record<string, unknown>> }, limits: ExperimentLimits): Evaluator | null {
  const type = evaluatorType(spec.type);
  if (!type) throw new Error(`unknown evaluator type ${spec.type}`);
  return type.create(evaluatorOptions(spec), limits);
}

/** Why this machine cannot evaluate the experiment's trials (a dataset it lacks), or null. */
export function missingOnThisMachine(spec: { readonly type: string; readonly options: Readonly<Record<string, unknown>> }): string | null {
  const type = evaluatorType(spec.type);
  if (!type) return `this worker has no evaluator ${spec.type} (an older graphnas?)`;
  return type.missing?.(evaluatorOptions(spec)) ?? null;
}

/** The evaluators a `graphnas worker` can run: every one with code in this build. */
export function workerEvaluatorTypes(): string[] {
  return EVALUATOR_TYPES.filter((t) => t.type !== 'external').map((t) => t.type);
}
