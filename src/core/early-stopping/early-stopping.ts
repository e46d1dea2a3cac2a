import { ashaRule } from './asha.js';
import { bestOf } from '../objective/objective.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { TrialStatus } from '../trials/trial-status.js';
import { TrialStage } from '../trials/trial-stage.js';
import { medianStoppingRule } from './median-stopping.js';

/** Why and with what a trial is stopped: it becomes PRUNED with its best value so far as reward. */
export interface StopVerdict {
  readonly reward: number;
  readonly finalMetrics: Readonly<Record<string, number>>;
  readonly reason: string;
}

/**
 * Applies the experiment's early-stopping rule to a trial that just reported `value` of
 * `name` at `step` (within the reporting transaction, so it sees that report). The rules
 * themselves are pure functions beside this file. What the reward of a stopped trial is:
 * the median rule gives its best value so far; ASHA the value at the rung where it was
 * stopped (the rung and the reason are recorded with it).
 */
export async function earlyStopVerdict(tx: Storage, experiment: ExperimentRecord, trial: TrialRecord, name: string, step: number, value: number): Promise<StopVerdict | null> {
  const rule = experiment.earlyStopping;
  // A finalist trains its whole final budget: the rule judges proxy curves, not these.
  if (rule === null || rule.metric !== name || trial.stage !== TrialStage.SEARCH) return null;
  const { direction } = experiment.objective;
  if (rule.type === 'asha') {
    // Every other trial that reached the rung competes, running, completed or stopped there.
    const atRung = await tx.metrics.valuesAtStep(experiment.id, name, step, [TrialStatus.RUNNING, TrialStatus.SUCCEEDED, TrialStatus.PRUNED], trial.id);
    const decision = ashaRule(rule, direction, step, value, atRung);
    if (!decision.stop) return null;
    return { reward: value, finalMetrics: { [name]: value, pruned_rung: decision.rung ?? -1, pruned_step: step }, reason: decision.reason };
  }
  const own = (await tx.metrics.list(trial.id, name)).filter((m) => m.step <= step).map((m) => m.value);
  if (own.length === 0) return null;
  const best = bestOf(direction, own);
  const completed = await tx.metrics.valuesAtStep(experiment.id, name, step, [TrialStatus.SUCCEEDED]);
  const decision = medianStoppingRule(rule, direction, step, best, completed);
  return decision.stop ? { reward: best, finalMetrics: { [name]: best }, reason: decision.reason } : null;
}
