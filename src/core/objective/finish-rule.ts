import type { Constraint } from '../../evaluation/constraints.js';
import { softConstraintFactor, violatedHardConstraint } from '../../evaluation/constraints.js';
import { InvalidInputError } from '../errors.js';
import type { Objective, TrialArtifact, TrialRuntime } from '../storage/records.js';

/** What an evaluation reported, in-process or from a worker. */
export interface ReportedResult {
  /** The evaluator's own score; the objective when its metric is `reward`. */
  readonly reward?: number | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly params?: number | null;
  readonly flops?: number | null;
  readonly latencyMs?: number | null;
  readonly runtime?: TrialRuntime | null;
  /** A finalist's kept model, already in the artifact store. */
  readonly artifact?: TrialArtifact | null;
}

/** A finished trial's stored result. */
export interface FinishedResult {
  readonly reward: number;
  readonly finalMetrics: Readonly<Record<string, number>>;
  readonly params: number | null;
  readonly flops: number | null;
  readonly latencyMs: number | null;
  readonly runtime: TrialRuntime | null;
  readonly artifact: TrialArtifact | null;
}

/**
 * The one rule that turns what an evaluation reported into a trial's reward, for the
 * in-process evaluators and for ask/tell workers alike (as Optuna's `_tell` serves both
 * `optimize` and ask/tell):
 *
 * 1. A hard constraint the costs exceed scores 0 (the objective is a maximised score such
 *    as accuracy: experiments refuse hard constraints on a minimised one), and the
 *    violation is recorded as `violates_<metric>: 1`.
 * 2. Otherwise the objective's value is the metric it names (`reward`: the evaluator's
 *    own score); a result without it is refused, never quietly replaced by another number.
 * 3. Soft constraints (MnasNet) multiply a maximised value by their factor and divide a
 *    minimised one, so that a dearer child is worse either way.
 */
export function finishRule(objective: Objective, constraints: readonly Constraint[], reported: ReportedResult): FinishedResult {
  const cost = { params: reported.params ?? null, flops: reported.flops ?? null, latencyMs: reported.latencyMs ?? null };
  const finalMetrics = { ...reported.metrics };
  const runtime = reported.runtime ?? null;
  const artifact = reported.artifact ?? null;
  const violated = violatedHardConstraint(constraints, cost);
  if (violated) {
    return { reward: 0, finalMetrics: { ...finalMetrics, [`violates_${violated.metric}`]: 1 }, ...cost, runtime, artifact };
  }
  const value = objective.metric === 'reward' ? (reported.reward ?? reported.metrics.reward) : reported.metrics[objective.metric];
  if (value === undefined || value === null || !Number.isFinite(value)) {
    const given = Object.keys(reported.metrics).slice(0, 20).join(', ') || 'none';
    throw InvalidInputError.field('metrics', `must contain the objective "${objective.metric}" as a finite number (reported: ${given})`);
  }
  const factor = softConstraintFactor(constraints, cost);
  return { reward: objective.direction === 'MAXIMIZE' ? value * factor : value / factor, finalMetrics, ...cost, runtime, artifact };
}
