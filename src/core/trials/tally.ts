import type { TrialCounts, TrialTally } from '../storage/storage.js';
import { TrialStatus } from './trial-status.js';

/** Readings of a tally, named once so that every caller counts the same way. */

export function sum(counts: TrialCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** Trials by status, evaluations and answered duplicates together (what a trials table lists). */
export function allTrials(tally: TrialTally): TrialCounts {
  const all = { ...tally.evaluations } as Record<TrialStatus, number>;
  for (const status of Object.values(TrialStatus)) all[status] += tally.duplicates[status];
  return all;
}

/** Evaluations that used budget: started or finished, not cancelled before they ran. */
export function evaluationsUsed(tally: TrialTally): number {
  return sum(tally.evaluations) - tally.evaluations.CANCELLED;
}

/** Evaluations with a final outcome: what the budget's progress counts. */
export function finishedEvaluations(tally: TrialTally): number {
  const e = tally.evaluations;
  return e.SUCCEEDED + e.FAILED + e.PRUNED;
}

/** Evaluations waiting or running. */
export function activeEvaluations(tally: TrialTally): number {
  return tally.evaluations.PENDING + tally.evaluations.RUNNING;
}
