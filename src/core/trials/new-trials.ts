import { randomUUID } from 'node:crypto';
import { Topic, event } from '../events/topics.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Transaction } from '../storage/storage.js';
import { TrialStatus } from './trial-status.js';
import { TrialStage } from './trial-stage.js';
import { answer, applyTransition } from './trial-transitions.js';

/** A proposal as decoded: what a trial is born with. */
export interface NewTrial extends Pick<TrialRecord, 'actions' | 'architecture' | 'label' | 'fingerprint' | 'policyVersion' | 'logProb'> {
  /** Set for a proposal answered from this earlier finished trial (same fingerprint) instead of an evaluation. */
  readonly answeredBy?: TrialRecord;
  /** A finalist's retraining of `finalistOf` (src/core/finalization); absent for a search trial. */
  readonly final?: { readonly finalistOf: string; readonly spec: NonNullable<TrialRecord['final']> };
}

/**
 * Appends trials with the next gap-free sequence numbers, all PENDING; a proposal of an
 * architecture already evaluated is answered from that trial at once (PENDING → its
 * outcome, trial-status.ts). `experiment` must be the row as locked by this transaction:
 * its sequence counter is read and advanced here.
 */
export async function insertTrials(tx: Transaction, experiment: ExperimentRecord, trials: readonly NewTrial[], now: Date): Promise<TrialRecord[]> {
  if (trials.length === 0) return [];
  const records = trials.map(
    (t, i): TrialRecord => ({
      id: randomUUID(),
      experimentId: experiment.id,
      sequence: experiment.trialSequence + i + 1,
      actions: [...t.actions],
      architecture: t.architecture,
      label: t.label,
      fingerprint: t.fingerprint,
      policyVersion: t.policyVersion,
      logProb: t.logProb,
      status: TrialStatus.PENDING,
      reward: null,
      finalMetrics: {},
      params: null,
      flops: null,
      latencyMs: null,
      duplicateOfId: t.answeredBy?.id ?? null,
      runtime: null,
      workerId: null,
      attempt: 0,
      leaseExpiresAt: null,
      leaseSeconds: null,
      error: null,
      observedAt: null,
      idempotencyKey: null,
      stage: t.final ? TrialStage.FINAL : TrialStage.SEARCH,
      finalistOf: t.final?.finalistOf ?? null,
      final: t.final?.spec ?? null,
      artifact: null,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      finishedAt: null,
    }),
  );
  await tx.trials.insert(records);
  await tx.experiments.update(experiment.id, { trialSequence: experiment.trialSequence + trials.length, updatedAt: now });
  for (const record of records) tx.emit(event(Topic.TrialUpdated, experiment.id, record));
  const settled: TrialRecord[] = [];
  for (const [i, record] of records.entries()) {
    const original = trials[i]!.answeredBy;
    settled.push(original ? (await applyTransition(tx, record.id, answer(original), now)).trial : record);
  }
  return settled;
}
