import { EndReason, ExperimentStatus } from '../experiments/experiment-status.js';
import { reachesGoal } from '../objective/objective.js';
import type { ExperimentRecord } from '../storage/records.js';
import type { TrialCounts } from '../storage/storage.js';

export interface SearchProgress {
  /** Evaluations by status (answered duplicates are not evaluations). */
  readonly counts: TrialCounts;
  /** Trials that used budget (not duplicates, not cancelled). */
  readonly evaluations: number;
  /** Finished trials whose result the strategy has not consumed yet. */
  readonly unobserved: number;
  readonly bestReward: number | null;
  readonly cardinality: bigint;
  readonly now: Date;
}

export interface Ending {
  readonly status: ExperimentStatus.SUCCEEDED | ExperimentStatus.FAILED;
  readonly reason: EndReason;
}

/**
 * Whether a running experiment is done, and why. Pure, so that every rule is tested on
 * its own; the scheduler asks it on every pass.
 */
export function endOf(experiment: ExperimentRecord, p: SearchProgress): Ending | null {
  const { budget, objective } = experiment;
  const active = p.counts.PENDING + p.counts.RUNNING;
  if (p.bestReward !== null && reachesGoal(objective, p.bestReward)) {
    return { status: ExperimentStatus.SUCCEEDED, reason: EndReason.GOAL_REACHED };
  }
  if (p.counts.FAILED > budget.maxFailedTrials) return { status: ExperimentStatus.FAILED, reason: EndReason.TOO_MANY_FAILURES };
  if (
    budget.maxDurationSeconds !== null &&
    experiment.startedAt !== null &&
    p.now.getTime() - experiment.startedAt.getTime() >= budget.maxDurationSeconds * 1000
  ) {
    return { status: ExperimentStatus.SUCCEEDED, reason: EndReason.TIME_LIMIT };
  }
  if (active > 0 || p.unobserved > 0) return null;
  const succeeded = p.counts.SUCCEEDED + p.counts.PRUNED > 0;
  const done = (reason: EndReason): Ending =>
    succeeded ? { status: ExperimentStatus.SUCCEEDED, reason } : { status: ExperimentStatus.FAILED, reason: EndReason.TOO_MANY_FAILURES };
  if (p.evaluations >= budget.maxTrials) return done(EndReason.MAX_TRIALS);
  if (experiment.consecutiveDuplicates >= budget.maxConsecutiveDuplicates) return done(EndReason.CONVERGED);
  if (BigInt(p.evaluations) >= p.cardinality) return done(EndReason.SPACE_EXHAUSTED);
  return null;
}
