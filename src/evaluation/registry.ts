/**
 * The evaluator types an experiment can name, their option checks, and the factory the
 * scheduler calls. `external` has no in-process part: workers evaluate through the API.
 */
import type { Evaluator } from './evaluator.js';
import { TabularConfigError, TabularEvaluator, resolveTabularConfig } from './tabular/index.js';
import { EvaluatorConfigError, TfjsTrainerEvaluator, parseTfjsTrainerConfig, type Constraint } from './trainer/index.js';

/** The experiment's limits; evaluators that measure cost fold them into the reward. */
export interface ExperimentLimits {
  readonly maxParams: number | null;
  readonly maxFlops: number | null;
  readonly maxLatencyMs: number | null;
}

export interface EvaluatorIssue {
  /** Relative to the options object, e.g. `rewardColumn`. */
  readonly path: string;
  readonly message: string;
}

export interface EvaluatorType {
  readonly type: string;
  readonly description: string;
  /** Problems with the options; empty when they are fine. */
  validate(options: Readonly<Record<string, unknown>>): EvaluatorIssue[];
  /** Null for evaluators that run outside this process. */
  create(options: Readonly<Record<string, unknown>>, limits: ExperimentLimits): Evaluator | null;
}

function issuesOf(error: unknown, kind: new (...args: never[]) => Error & { path: string }): EvaluatorIssue[] {
  if (error instanceof kind) return [{ path: error.path, message: error.message.replace(`${error.path}: `, '') }];
  throw error;
}

export const EVALUATOR_TYPES: EvaluatorType[] = [
  {
    type: 'tabular',
    description: 'Looks the architecture up in a benchmark table (default: NAS-Bench-201, 12 epochs).',
    validate(options) {
      try {
        resolveTabularConfig({ ...options, type: 'tabular' });
        return [];
      } catch (error) {
        return issuesOf(error, TabularConfigError);
      }
    },
    create: (options) => new TabularEvaluator({ ...options, type: 'tabular' }),
  },
  {
    type: 'tfjs-trainer',
    description: 'Builds the child network and trains it in TensorFlow.js on a proxy budget (few epochs, a data subset, lower resolution).',
    validate(options) {
      try {
        parseTfjsTrainerConfig(options);
        return [];
      } catch (error) {
        if (error instanceof EvaluatorConfigError) return [...error.issues];
        throw error;
      }
    },
    create(options, limits) {
      // The experiment's limits become hard constraints unless the options already
      // constrain the same quantity (say, softly, MnasNet-style).
      const own = parseTfjsTrainerConfig(options).constraints;
      const fromLimits: Constraint[] = (
        [
          ['params', limits.maxParams],
          ['flops', limits.maxFlops],
          ['latencyMs', limits.maxLatencyMs],
        ] as const
      ).flatMap(([metric, target]) =>
        target !== null && !own.some((c) => c.metric === metric) ? [{ metric, target, mode: 'hard' as const, weight: 0 }] : [],
      );
      return new TfjsTrainerEvaluator({ ...options, constraints: [...own, ...fromLimits] });
    },
  },
  {
    type: 'external',
    description: 'Evaluated by workers outside the service, through claimTrial / completeTrial.',
    validate(options) {
      return Object.keys(options).map((key) => ({ path: key, message: 'the external evaluator takes no options' }));
    },
    create: () => null,
  },
];

export function evaluatorType(type: string): EvaluatorType | undefined {
  return EVALUATOR_TYPES.find((t) => t.type === type);
}
