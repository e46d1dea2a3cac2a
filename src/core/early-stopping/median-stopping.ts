import { isBetter } from '../objective/objective.js';
import type { MedianStoppingSpec, ObjectiveDirection } from '../storage/records.js';

export interface StopDecision {
  readonly stop: boolean;
  /** Said to the user (the trial's `error` field) when the trial is stopped. */
  readonly reason: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The median stopping rule: at step `s`, stop a trial whose best value so far is worse
 * than the median of the values that completed trials reported at `s` — once at least
 * `minTrials` completed trials reported there and `s` has reached `startStep`. Cheap,
 * model-free, and hard to fool (Golovin et al., "Google Vizier", 2017).
 */
export function medianStoppingRule(
  rule: MedianStoppingSpec,
  direction: ObjectiveDirection,
  step: number,
  bestSoFar: number,
  completedAtStep: readonly number[],
): StopDecision {
  if (step < rule.startStep) return { stop: false, reason: `step ${step} is before startStep ${rule.startStep}` };
  if (completedAtStep.length < rule.minTrials) {
    return { stop: false, reason: `${completedAtStep.length} completed trials reported step ${step}; the rule needs ${rule.minTrials}` };
  }
  const m = median(completedAtStep);
  const worse = isBetter(direction, m, bestSoFar);
  const relation = direction === 'MAXIMIZE' ? 'below' : 'above';
  return {
    stop: worse,
    reason: `median stopping rule: best ${rule.metric} ${bestSoFar.toPrecision(4)} by step ${step} is ${worse ? '' : 'not '}${relation} the median ${m.toPrecision(4)} of ${completedAtStep.length} completed trials`,
  };
}
