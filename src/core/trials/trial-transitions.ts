import { ConflictError, LeaseLostError, NotFoundError } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import type { FinishedResult } from '../objective/finish-rule.js';
import type { TrialRecord } from '../storage/records.js';
import type { Storage, Transaction } from '../storage/storage.js';
import { TrialStatus, assertTrialTransition, isTrialFinished } from './trial-status.js';

/**
 * Every move of a trial, each decided on the locked row: `decide(current)` says where the
 * trial goes and with what (`{to, patch}`), says that the call changes nothing (`SKIP`,
 * e.g. a repeated completion), or throws when the caller may not make it. The state
 * table (trial-status.ts) is checked on top, and `applyTransition` writes and emits.
 */

export type TrialPatch = Parameters<Storage['trials']['update']>[1];
export const SKIP = 'skip';
export interface Move {
  readonly to: TrialStatus;
  readonly patch: TrialPatch;
}
export type Decision = Move | typeof SKIP;
export type Decide = (current: TrialRecord, now: Date) => Decision;

/**
 * Whether the worker identity `holder` holds a trial recorded as held by `workerId`: the
 * same identity, or the same one with a worker name after a slash (one API key's several
 * worker processes are one identity: src/core/access/access.ts).
 */
export function holds(workerId: string | null, holder: string): boolean {
  return workerId === holder || (workerId !== null && workerId.startsWith(`${holder}/`));
}

/**
 * A worker that identifies itself must be the trial's holder. Its lease may have run out:
 * as long as nobody reclaimed the trial (this is checked on the locked row, so a reclaim
 * cannot slip in between), a late report is still the one evaluation, and refusing it
 * would only throw the training away. A caller without an identity (open access, no
 * worker name) cannot be told apart from the holder, so for it an expired lease is a lost one.
 */
export function assertHolder(trial: TrialRecord, workerId: string | null, now: Date): void {
  if (workerId !== null) {
    if (!holds(trial.workerId, workerId)) throw new LeaseLostError(`trial ${trial.id} is held by another worker`, trial.status);
    return;
  }
  if (trial.leaseExpiresAt !== null && trial.leaseExpiresAt < now) {
    throw new LeaseLostError(`the lease on trial ${trial.id} expired at ${trial.leaseExpiresAt.toISOString()}`, trial.status);
  }
}

export function assertRunning(trial: TrialRecord, what: string): void {
  // The same code as a late completion: to the worker both mean "stop, it is not yours".
  if (trial.status !== TrialStatus.RUNNING) throw new LeaseLostError(`trial ${trial.id} is ${trial.status}; ${what}`, trial.status);
}

/** PENDING → RUNNING under a lease; the attempt counter moves with the start, so a crash mid-evaluation still counts. */
export function start(workerId: string, leaseSeconds: number): Decide {
  return (current, now) => {
    if (current.status !== TrialStatus.PENDING) throw new ConflictError(`trial ${current.id} is ${current.status}, not PENDING`);
    return {
      to: TrialStatus.RUNNING,
      patch: { workerId, startedAt: now, leaseSeconds, leaseExpiresAt: new Date(now.getTime() + leaseSeconds * 1000), error: null, attempt: current.attempt + 1 },
    };
  };
}

/**
 * RUNNING → SUCCEEDED with the result `score` gives (the finish rule, asked only once the
 * move is allowed); the same idempotency key again answers the stored result.
 */
export function complete(score: () => FinishedResult, workerId: string | null, idempotencyKey: string | null): Decide {
  return (current, now) => {
    if (idempotencyKey !== null && current.idempotencyKey === idempotencyKey && current.status === TrialStatus.SUCCEEDED) return SKIP;
    assertRunning(current, 'this completion is not accepted');
    assertHolder(current, workerId, now);
    return { to: TrialStatus.SUCCEEDED, patch: { ...score(), error: null, idempotencyKey } };
  };
}

/** RUNNING → PENDING when the failure is retryable and attempts remain, else FAILED. */
export function fail(message: string, retryable: boolean, maxRetries: number, workerId: string | null): Decide {
  return (current, now) => {
    assertRunning(current, 'this failure report is not accepted');
    assertHolder(current, workerId, now);
    const error = message.slice(0, 10_000);
    return retryable && current.attempt <= maxRetries
      ? { to: TrialStatus.PENDING, patch: { error, workerId: null, leaseExpiresAt: null, startedAt: null } }
      : { to: TrialStatus.FAILED, patch: { error } };
  };
}

/**
 * A RUNNING trial whose holder is gone (its lease expired, or the process that ran it
 * stopped) back to PENDING, or FAILED once its retries are spent. `countAttempt` false
 * gives the attempt back: when our own process stopped, the trial is not to blame.
 * Skipped when the trial moved on or changed hands meanwhile.
 */
export function reclaim(holder: string | null, maxRetries: number, reason: string, countAttempt: boolean): Decide {
  return (current) => {
    if (current.status !== TrialStatus.RUNNING || current.workerId !== holder) return SKIP;
    const attempt = countAttempt ? current.attempt : Math.max(0, current.attempt - 1);
    return attempt <= maxRetries
      ? { to: TrialStatus.PENDING, patch: { workerId: null, leaseExpiresAt: null, startedAt: null, error: reason, attempt } }
      : { to: TrialStatus.FAILED, patch: { error: `${reason}; no retries left (${current.attempt} attempts)` } };
  };
}

/** Whether `reclaim` would send the trial back to the queue (the scheduler plans with it). */
export function reclaimRetries(trial: TrialRecord, maxRetries: number, countAttempt: boolean): boolean {
  return (countAttempt ? trial.attempt : Math.max(0, trial.attempt - 1)) <= maxRetries;
}

/** PENDING or RUNNING → CANCELLED; a finished trial stays as it is. */
export function cancel(reason: string): Decide {
  return (current) => (isTrialFinished(current.status) ? SKIP : { to: TrialStatus.CANCELLED, patch: { error: reason } });
}

/** RUNNING → PRUNED by the early-stopping rule, with its best value so far as reward. */
export function prune(reward: number, finalMetrics: Readonly<Record<string, number>>, reason: string): Decide {
  return (current) => (current.status === TrialStatus.RUNNING ? { to: TrialStatus.PRUNED, patch: { reward, finalMetrics, error: reason } } : SKIP);
}

/**
 * A PENDING duplicate answered from the earlier trial with the same architecture: it takes
 * the original's outcome (SUCCEEDED or PRUNED) with no evaluation, so dashboards and the
 * strategy see a result.
 */
export function answer(original: TrialRecord): Decide {
  return (current, now) => {
    if (current.status !== TrialStatus.PENDING || current.duplicateOfId !== original.id) {
      throw new ConflictError(`trial ${current.id} is not a pending duplicate of ${original.id}`);
    }
    const { reward, finalMetrics, params, flops, latencyMs, runtime } = original;
    return { to: original.status, patch: { reward, finalMetrics, params, flops, latencyMs, runtime, startedAt: now } };
  };
}

/** Locks the trial, decides, checks the state table, writes, and emits `trialUpdated` with the commit. */
export async function applyTransition(tx: Transaction, id: string, decide: Decide, now: Date): Promise<{ trial: TrialRecord; changed: boolean }> {
  const current = await tx.trials.findById(id, { forUpdate: true });
  if (current === null) throw new NotFoundError('trial', id);
  const decision = decide(current, now);
  if (decision === SKIP) return { trial: current, changed: false };
  assertTrialTransition(id, current.status, decision.to);
  const patch: TrialPatch = {
    ...decision.patch,
    status: decision.to,
    updatedAt: now,
    ...(isTrialFinished(decision.to) ? { finishedAt: now, leaseExpiresAt: null } : {}),
  };
  await tx.trials.update(id, patch);
  const trial = { ...current, ...patch } as TrialRecord;
  tx.emit(event(Topic.TrialUpdated, trial.experimentId, trial));
  return { trial, changed: true };
}
