/**
 * The evaluator types an experiment can name, their option checks, and the factory the
 * scheduler calls. `external` has no in-process part: workers evaluate through the API.
 */
import { InvalidInputError, type Issue } from '../errors/index.js';
import type { Evaluator } from './evaluator.js';
import { TabularEvaluator, resolveTabularConfig } from './tabular/index.js';
import type { Constraint } from './constraints.js';
import { TfjsTrainerEvaluator, parseTfjsTrainerConfig } from './trainer/index.js';
import { missingDataset } from './data/source.js';
import { finalBudgetDefaults, finalBudgetIssues, testSplitOf } from './trainer/final.js';

/** The experiment's limits; evaluators that measure cost fold them into the reward. */
export interface ExperimentLimits {
  readonly maxParams: number | null;
  readonly maxFlops: number | null;
  readonly maxLatencyMs: number | null;
}

/** A problem with an evaluator's options; the path is relative to the options object, e.g. `rewardColumn`. */
export type EvaluatorIssue = Issue;

export interface EvaluatorType {
  readonly type: string;
  readonly description: string;
  /** Problems with the options; empty when they are fine. */
  validate(options: Readonly<Record<string, unknown>>): EvaluatorIssue[];
  /** The constraints its trials' rewards are folded with: its own options' and the experiment's limits. */
  constraints(options: Readonly<Record<string, unknown>>, limits: ExperimentLimits): Constraint[];
  /** Null for evaluators that run outside this process. */
  create(options: Readonly<Record<string, unknown>>, limits: ExperimentLimits): Evaluator | null;
  /** What this machine lacks to evaluate with these options (a dataset's files), or null; absent: nothing can be missing. */
  missing?(options: Readonly<Record<string, unknown>>): string | null;
  /** How it retrains finalists with these search options and final-budget overrides; absent: it does not (`external` leaves it to its workers). */
  final?(options: Readonly<Record<string, unknown>>, overrides: Readonly<Record<string, unknown>>): Promise<EvaluatorFinalPlan>;
}

/** See PluginCatalog.finalPlan (src/core/experiments/plugin-catalog.ts). */
export interface EvaluatorFinalPlan {
  readonly budget: Readonly<Record<string, unknown>>;
  readonly issues: readonly EvaluatorIssue[];
  readonly unavailable: string | null;
  readonly defaultSeeds: number;
  readonly keepsModel: boolean;
  readonly inheritance: boolean;
}

/**
 * The experiment's limits as hard constraints, unless the evaluator's own options already
 * constrain the same quantity (say, softly, MnasNet-style).
 */
function withLimits(own: readonly Constraint[], limits: ExperimentLimits): Constraint[] {
  const fromLimits = (
    [
      ['params', limits.maxParams],
      ['flops', limits.maxFlops],
      ['latencyMs', limits.maxLatencyMs],
    ] as const
  ).flatMap(([metric, target]) => (target !== null && !own.some((c) => c.metric === metric) ? [{ metric, target, mode: 'hard' as const, weight: 0 }] : []));
  return [...own, ...fromLimits];
}

/** Runs a validating parser; its InvalidInputError becomes the list of issues. */
function issuesOf(parse: () => unknown): EvaluatorIssue[] {
  try {
    parse();
    return [];
  } catch (error) {
    if (error instanceof InvalidInputError) return [...error.issues];
    throw error;
  }
}

export const EVALUATOR_TYPES: EvaluatorType[] = [
  {
    type: 'tabular',
    description: 'Looks the architecture up in a benchmark table (default: NAS-Bench-201, 12 epochs).',
    validate: (options) => issuesOf(() => resolveTabularConfig({ ...options, type: 'tabular' })),
    constraints: (_options, limits) => withLimits([], limits),
    create: (options) => new TabularEvaluator({ ...options, type: 'tabular' }),
    // A table has one value per architecture: the final "training" reads the test column, in milliseconds.
    async final(options, overrides) {
      const { testColumn } = await new TabularEvaluator({ ...options, type: 'tabular' }).load();
      return {
        budget: {},
        issues: Object.keys(overrides).map((key) => ({ path: key, message: 'a table takes no final budget' })),
        unavailable: testColumn === null ? 'its table has no test column for the reward column (set the evaluator option testColumn)' : null,
        defaultSeeds: 1,
        keepsModel: false,
        inheritance: false,
      };
    },
  },
  {
    type: 'tfjs-trainer',
    description: 'Builds the child network and trains it in TensorFlow.js on a proxy budget (few epochs, a data subset, lower resolution).',
    validate: (options) => issuesOf(() => parseTfjsTrainerConfig(options)),
    constraints: (options, limits) => withLimits(parseTfjsTrainerConfig(options).constraints, limits),
    // The trainer sees every constraint: the hard ones spare it training a child that
    // cannot win, and a latency constraint makes it measure latency.
    create: (options, limits) => new TfjsTrainerEvaluator({ ...options, constraints: withLimits(parseTfjsTrainerConfig(options).constraints, limits) }),
    missing: (options) => missingDataset(parseTfjsTrainerConfig(options).dataset),
    // Three seeds by default: a finalist's spread over seeds is what tells a real lead from a lucky run.
    async final(options, overrides) {
      const issues = finalBudgetIssues(options, overrides);
      return {
        budget: { ...finalBudgetDefaults(options), ...overrides },
        issues,
        unavailable: testSplitOf(options),
        defaultSeeds: 3,
        keepsModel: true,
        inheritance: true,
      };
    },
  },
  {
    type: 'external',
    description: 'Evaluated by workers outside the service, through claimTrial / completeTrial.',
    validate(options) {
      return Object.keys(options).map((key) => ({ path: key, message: 'the external evaluator takes no options' }));
    },
    constraints: (_options, limits) => withLimits([], limits),
    create: () => null,
  },
];

export function evaluatorType(type: string): EvaluatorType | undefined {
  return EVALUATOR_TYPES.find((t) => t.type === type);
}
