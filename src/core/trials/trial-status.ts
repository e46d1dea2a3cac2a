import { ConflictError } from '../errors.js';

/**
 * `PENDING → RUNNING → SUCCEEDED | FAILED | PRUNED | CANCELLED`. A RUNNING trial whose
 * lease expired, or whose evaluation failed with retries left, goes back to PENDING.
 * A finished trial never changes again.
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
  [TrialStatus.PENDING]: [TrialStatus.RUNNING, TrialStatus.CANCELLED, TrialStatus.FAILED],
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
