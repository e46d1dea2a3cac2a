import { ConflictError } from '../errors.js';

/**
 * `PENDING → RUNNING → SUCCEEDED | FAILED | PRUNED | CANCELLED`. A RUNNING trial whose
 * lease expired, or whose evaluation failed with retries left, goes back to PENDING.
 * A proposal of an architecture that was already evaluated is created PENDING like any
 * other and answered at once from the earlier result, `PENDING → SUCCEEDED | PRUNED`,
 * without an evaluation. A finished trial never changes again. The moves themselves
 * (who may make which, with what) are decided in trial-transitions.ts.
 */
export enum TrialStatus {
  PENDING = 'PENDING',
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  PRUNED = 'PRUNED',
  CANCELLED = 'CANCELLED',
}

const TRANSITIONS: Readonly<Record<TrialStatus, readonly TrialStatus[]>> = {
  [TrialStatus.PENDING]: [TrialStatus.RUNNING, TrialStatus.CANCELLED, TrialStatus.FAILED, TrialStatus.SUCCEEDED, TrialStatus.PRUNED],
  [TrialStatus.RUNNING]: [
    TrialStatus.PENDING,
    TrialStatus.SUCCEEDED,
    TrialStatus.FAILED,
    TrialStatus.PRUNED,
    TrialStatus.CANCELLED,
  ],
  [TrialStatus.SUCCEEDED]: [],
  [TrialStatus.FAILED]: [],
  [TrialStatus.PRUNED]: [],
  [TrialStatus.CANCELLED]: [],
};

export function isTrialFinished(status: TrialStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransitionTrial(from: TrialStatus, to: TrialStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTrialTransition(id: string, from: TrialStatus, to: TrialStatus): void {
  if (!canTransitionTrial(from, to)) {
    throw new ConflictError(`trial ${id} is ${from} and cannot become ${to}`, { from, to });
  }
}
