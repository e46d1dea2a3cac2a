import { randomInt } from 'node:crypto';
import { IssueList } from '../errors.js';
import { ashaRuleIssues } from '../early-stopping/asha.js';
import type { AshaStoppingSpec, Budget, Constraints, EarlyStoppingSpec, EvaluatorSpec, Objective, ObjectiveDirection, StrategySpec } from '../storage/records.js';

/** The user's input, as loose as GraphQL lets it arrive; `normalizeExperimentConfig` decides. */
export interface ExperimentConfigInput {
  readonly strategy?: { readonly type: string; readonly hyperparameters?: Record<string, unknown> | null } | null;
  readonly evaluator?: { readonly type: string; readonly options?: Record<string, unknown> | null } | null;
  readonly objective?: { readonly metric?: string | null; readonly direction?: ObjectiveDirection | null; readonly goal?: number | null } | null;
  readonly constraints?: { readonly maxParams?: number | null; readonly maxFlops?: number | null; readonly maxLatencyMs?: number | null } | null;
  readonly budget?: {
    readonly maxTrials?: number | null;
    readonly parallelTrials?: number | null;
    readonly maxFailedTrials?: number | null;
    readonly maxDurationSeconds?: number | null;
    readonly maxRetries?: number | null;
    readonly maxConsecutiveDuplicates?: number | null;
  } | null;
  readonly earlyStopping?: {
    readonly type?: string | null;
    readonly metric?: string | null;
    readonly minTrials?: number | null;
    readonly startStep?: number | null;
    readonly minResource?: number | null;
    readonly reductionFactor?: number | null;
    readonly minEarlyStoppingRate?: number | null;
  } | null;
  readonly seed?: number | null;
}

export interface ExperimentConfig {
  readonly strategy: StrategySpec;
  readonly evaluator: EvaluatorSpec;
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly budget: Budget;
  readonly earlyStopping: EarlyStoppingSpec | null;
  readonly seed: number;
}

/** Bounds that keep one experiment from monopolising a server; documented in the README. */
export const LIMITS = {
  maxTrials: 100_000,
  parallelTrials: 256,
  maxRetries: 10,
  maxDurationSeconds: 30 * 24 * 3600,
  maxSeed: 2 ** 31 - 1,
  metricName: 100,
  jsonBytes: 64 * 1024,
} as const;

export const DEFAULT_BUDGET = { maxTrials: 100, parallelTrials: 4, maxRetries: 2, maxConsecutiveDuplicates: 100 } as const;

function integerIn(errors: IssueList, path: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) errors.add(path, `must be an integer between ${min} and ${max}`);
}

function positiveOrNull(errors: IssueList, path: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value <= 0) errors.add(path, 'must be a positive number');
  return value;
}

function jsonObject(errors: IssueList, path: string, value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    errors.add(path, 'must be a JSON object');
    return {};
  }
  if (JSON.stringify(value).length > LIMITS.jsonBytes) errors.add(path, `must be at most ${LIMITS.jsonBytes} bytes of JSON`);
  return value as Record<string, unknown>;
}

/**
 * Fills defaults and checks every bound at once, reporting each offending field by its
 * path under `prefix`. Plugin-specific options (strategy hyperparameters, evaluator
 * options) are checked by their own plugins afterwards.
 */
export function normalizeExperimentConfig(input: ExperimentConfigInput, prefix = 'input'): ExperimentConfig {
  const errors = new IssueList();

  const strategyType = input.strategy?.type ?? 'reinforce';
  const strategy: StrategySpec = {
    type: strategyType,
    hyperparameters: jsonObject(errors, `${prefix}.strategy.hyperparameters`, input.strategy?.hyperparameters),
  };
  if (!input.evaluator) errors.add(`${prefix}.evaluator`, 'is required');
  const evaluator: EvaluatorSpec = {
    type: input.evaluator?.type ?? '',
    options: jsonObject(errors, `${prefix}.evaluator.options`, input.evaluator?.options),
  };

  const metric = input.objective?.metric ?? 'reward';
  if (metric.length === 0 || metric.length > LIMITS.metricName) {
    errors.add(`${prefix}.objective.metric`, `must be 1 to ${LIMITS.metricName} characters`);
  }
  const goal = input.objective?.goal ?? null;
  if (goal !== null && !Number.isFinite(goal)) errors.add(`${prefix}.objective.goal`, 'must be a finite number');
  const objective: Objective = { metric, direction: input.objective?.direction ?? 'MAXIMIZE', goal };

  const constraints: Constraints = {
    maxParams: positiveOrNull(errors, `${prefix}.constraints.maxParams`, input.constraints?.maxParams),
    maxFlops: positiveOrNull(errors, `${prefix}.constraints.maxFlops`, input.constraints?.maxFlops),
    maxLatencyMs: positiveOrNull(errors, `${prefix}.constraints.maxLatencyMs`, input.constraints?.maxLatencyMs),
  };

  // Only what the user wrote is checked: a default derived from an invalid value (the
  // default maxFailedTrials from a negative maxTrials) must not be reported as a second
  // mistake the user never made.
  const b = input.budget ?? {};
  const inRange = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
  const maxTrials = b.maxTrials ?? DEFAULT_BUDGET.maxTrials;
  integerIn(errors, `${prefix}.budget.maxTrials`, maxTrials, 1, LIMITS.maxTrials);
  const validMaxTrials = inRange(maxTrials, 1, LIMITS.maxTrials) ? maxTrials : DEFAULT_BUDGET.maxTrials;
  const parallelTrials = b.parallelTrials ?? Math.min(DEFAULT_BUDGET.parallelTrials, validMaxTrials);
  if (b.parallelTrials !== null && b.parallelTrials !== undefined) {
    integerIn(errors, `${prefix}.budget.parallelTrials`, parallelTrials, 1, LIMITS.parallelTrials);
    // Only when both are valid on their own: one message per mistake.
    if (inRange(parallelTrials, 1, LIMITS.parallelTrials) && validMaxTrials === maxTrials && parallelTrials > maxTrials) {
      errors.add(`${prefix}.budget.parallelTrials`, `must not exceed maxTrials (${maxTrials})`);
    }
  }
  const maxFailedTrials = b.maxFailedTrials ?? validMaxTrials;
  integerIn(errors, `${prefix}.budget.maxFailedTrials`, maxFailedTrials, 0, LIMITS.maxTrials);
  const maxDurationSeconds = b.maxDurationSeconds ?? null;
  if (maxDurationSeconds !== null) integerIn(errors, `${prefix}.budget.maxDurationSeconds`, maxDurationSeconds, 1, LIMITS.maxDurationSeconds);
  const maxRetries = b.maxRetries ?? DEFAULT_BUDGET.maxRetries;
  integerIn(errors, `${prefix}.budget.maxRetries`, maxRetries, 0, LIMITS.maxRetries);

  const maxConsecutiveDuplicates = b.maxConsecutiveDuplicates ?? DEFAULT_BUDGET.maxConsecutiveDuplicates;
  integerIn(errors, `${prefix}.budget.maxConsecutiveDuplicates`, maxConsecutiveDuplicates, 1, LIMITS.maxTrials);

  let earlyStopping: EarlyStoppingSpec | null = null;
  if (input.earlyStopping) {
    const es = input.earlyStopping;
    const at = `${prefix}.earlyStopping`;
    const type = es.type ?? 'median';
    const esMetric = es.metric ?? '';
    if (esMetric.length === 0 || esMetric.length > LIMITS.metricName) errors.add(`${at}.metric`, `must be 1 to ${LIMITS.metricName} characters`);
    if (type === 'median') {
      const minTrials = es.minTrials ?? 5;
      integerIn(errors, `${at}.minTrials`, minTrials, 1, LIMITS.maxTrials);
      const startStep = es.startStep ?? 1;
      integerIn(errors, `${at}.startStep`, startStep, 0, 1_000_000);
      earlyStopping = { type: 'median', metric: esMetric, minTrials, startStep };
    } else if (type === 'asha') {
      const rule: AshaStoppingSpec = {
        type: 'asha',
        metric: esMetric,
        minResource: es.minResource ?? 1,
        reductionFactor: es.reductionFactor ?? 3,
        minEarlyStoppingRate: es.minEarlyStoppingRate ?? 0,
        minTrials: es.minTrials ?? 0,
      };
      errors.addAll(ashaRuleIssues(rule).filter((i) => i.path !== 'metric'), at);
      earlyStopping = rule;
    } else {
      errors.add(`${at}.type`, 'unknown rule; one of median, asha');
    }
  }

  const seed = input.seed ?? randomInt(0, LIMITS.maxSeed);
  integerIn(errors, `${prefix}.seed`, seed, 0, LIMITS.maxSeed);

  errors.throwIfAny('invalid experiment configuration');
  return {
    strategy,
    evaluator,
    objective,
    constraints,
    budget: { maxTrials, parallelTrials, maxFailedTrials, maxDurationSeconds, maxRetries, maxConsecutiveDuplicates },
    earlyStopping,
    seed,
  };
}
