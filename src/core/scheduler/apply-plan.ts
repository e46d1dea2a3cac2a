import { GraphnasError } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import { endExperiment } from '../experiments/experiment-lifecycle.service.js';
import type { ExperimentRecord } from '../storage/records.js';
import type { Transaction } from '../storage/storage.js';
import { insertTrials } from '../trials/new-trials.js';
import { activeEvaluations } from '../trials/tally.js';
import { applyTransition, reclaim } from '../trials/trial-transitions.js';
import type { Controller } from './controller.js';
import type { PassPlan } from './plan.js';
import type { PassSnapshot } from './snapshot.js';

/**
 * The snapshot no longer holds: the experiment was paused, cancelled or taken over while
 * the pass planned. Nothing is written; the next pass starts from a new snapshot.
 */
export class StalePassError extends GraphnasError {
  constructor(experimentId: string, why: string) {
    super('CONFLICT', `experiment ${experimentId} changed during the scheduler pass: ${why}`);
  }
}

export interface AppliedPass {
  /** The experiment as the transaction left it. */
  readonly experiment: ExperimentRecord;
  /** The policy step of the checkpoint written, if one was. */
  readonly checkpointStep: number | null;
}

/** Whether the plan writes anything at all (an idle pass opens no transaction). */
export function writesAnything(plan: PassPlan, snapshot: PassSnapshot, progressChanged: boolean): boolean {
  return (
    plan.reclaims.length > 0 ||
    plan.observed.length > 0 ||
    plan.ending !== null ||
    (plan.proposals !== null && plan.proposals.trials.length > 0) ||
    plan.bestTrialId !== snapshot.experiment.bestTrialId ||
    progressChanged
  );
}

/**
 * Writes a pass's plan in one transaction: reclaimed leases, the consumed results with
 * the strategy's checkpoint (so a restart resumes from exactly what was marked observed),
 * then either the end of the experiment or the new trials. The experiment row is locked
 * first and must still be as the snapshot saw it; otherwise nothing is written.
 */
export async function applyPlan(
  tx: Transaction,
  plan: PassPlan,
  snapshot: PassSnapshot,
  controller: Controller,
  owner: string,
  progressChanged: boolean,
  /** The time of the writes: later than the snapshot's, which trials it saw may have finished after. */
  now: Date,
): Promise<AppliedPass> {
  const id = snapshot.experiment.id;
  const locked = await tx.experiments.findById(id, { forUpdate: true });
  if (locked === null) throw new StalePassError(id, 'it was deleted');
  if (locked.status !== snapshot.experiment.status) throw new StalePassError(id, `it is ${locked.status} now`);
  if (locked.schedulerOwner !== owner) throw new StalePassError(id, 'another scheduler holds it');

  for (const lost of plan.reclaims) {
    await applyTransition(tx, lost.trial.id, reclaim(lost.trial.workerId, locked.budget.maxRetries, lost.reason, lost.countAttempt), now);
  }
  let checkpointStep: number | null = null;
  if (plan.observed.length > 0 || plan.proposals !== null) {
    await tx.trials.markObserved(plan.observed.map((t) => t.id), now);
    const { record, update, newStep } = controller.checkpoint(plan.rewardedIds, now);
    await tx.checkpoints.save(record);
    if (newStep) tx.emit(event(Topic.PolicyUpdated, id, update));
    checkpointStep = record.step;
  }

  let experiment: ExperimentRecord = { ...locked, bestTrialId: plan.bestTrialId, updatedAt: now };
  if (plan.bestTrialId !== locked.bestTrialId) await tx.experiments.update(id, { bestTrialId: plan.bestTrialId, updatedAt: now });
  // Nothing may be in flight or unconsumed when an experiment ends; the plan projected
  // that, and this re-reads it under the experiment's lock.
  if (plan.ending !== null && activeEvaluations(await tx.trials.tally(id)) === 0 && (await tx.trials.listUnobserved(id, 1)).length === 0) {
    experiment = await endExperiment(tx, experiment, plan.ending.status, plan.ending.reason, `experiment ended: ${plan.ending.reason}`, now);
    return { experiment, checkpointStep };
  }
  if (plan.proposals !== null) {
    await insertTrials(tx, experiment, plan.proposals.trials, now);
    const consecutiveDuplicates = plan.proposals.consecutiveDuplicates;
    await tx.experiments.update(id, { consecutiveDuplicates });
    experiment = { ...experiment, trialSequence: experiment.trialSequence + plan.proposals.trials.length, consecutiveDuplicates };
  }
  if (progressChanged) tx.emit(event(Topic.ExperimentUpdated, id, experiment));
  return { experiment, checkpointStep };
}
