import { inScope, type ProjectScope } from '../access/access.js';
import { ConflictError, NotFoundError, assertId } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import type { ExperimentRecord } from '../storage/records.js';
import type { Storage, Transaction } from '../storage/storage.js';
import { TrialStatus } from '../trials/trial-status.js';
import { applyTransition, cancel } from '../trials/trial-transitions.js';
import { EndReason, ExperimentStatus, assertExperimentTransition } from './experiment-status.js';

/**
 * Ends an experiment inside the caller's transaction, `current` being its row as locked
 * there: every PENDING and RUNNING trial is cancelled, the end recorded, and the events
 * leave with the commit. The scheduler ends experiments through this too.
 */
export async function endExperiment(
  tx: Transaction,
  current: ExperimentRecord,
  status: ExperimentStatus,
  reason: EndReason,
  message: string,
  now: Date,
): Promise<ExperimentRecord> {
  assertExperimentTransition(current.id, current.status, status);
  for (const trial of await tx.trials.listByStatus(current.id, [TrialStatus.PENDING, TrialStatus.RUNNING])) {
    await applyTransition(tx, trial.id, cancel(message), now);
  }
  const patch = { status, endReason: reason, finishedAt: now, updatedAt: now, schedulerOwner: null, schedulerLeaseUntil: null };
  await tx.experiments.update(current.id, patch);
  const ended = { ...current, ...patch };
  tx.emit(event(Topic.ExperimentUpdated, current.id, ended));
  return ended;
}

/**
 * The experiment state machine's transitions. Mutations only change the stored state and
 * announce it; the scheduler's reconcile loop notices and converges (it starts a loop
 * for a RUNNING experiment, stops proposing for a PAUSED one, aborts evaluations of a
 * CANCELLED one). An invalid transition is a CONFLICT and changes nothing.
 */
export class ExperimentLifecycleService {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    return this.move(id, scope, ExperimentStatus.RUNNING, (current) => ({ startedAt: current.startedAt ?? this.now() }), [ExperimentStatus.CREATED]);
  }

  pause(id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    return this.move(id, scope, ExperimentStatus.PAUSED, () => ({}), [ExperimentStatus.RUNNING]);
  }

  resume(id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    return this.move(id, scope, ExperimentStatus.RUNNING, () => ({}), [ExperimentStatus.PAUSED]);
  }

  cancel(id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    assertId('id', id);
    return this.storage.transaction(async (tx) =>
      endExperiment(tx, await this.locked(tx, id, scope), ExperimentStatus.CANCELLED, EndReason.CANCELLED, 'experiment cancelled', this.now()),
    );
  }

  private async locked(tx: Transaction, id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    const current = await tx.experiments.findById(id, { forUpdate: true });
    if (current === null || !inScope(scope, current.project)) throw new NotFoundError('experiment', id);
    return current;
  }

  private move(
    id: string,
    scope: ProjectScope,
    to: ExperimentStatus,
    fields: (current: ExperimentRecord) => Partial<ExperimentRecord>,
    from: readonly ExperimentStatus[],
  ): Promise<ExperimentRecord> {
    assertId('id', id);
    return this.storage.transaction(async (tx) => {
      const current = await this.locked(tx, id, scope);
      // `from` keeps start (from CREATED) and resume (from PAUSED) distinct.
      if (!from.includes(current.status)) {
        throw new ConflictError(`experiment ${id} is ${current.status}; this needs it ${from.join(' or ')}`, { from: current.status, to });
      }
      assertExperimentTransition(id, current.status, to);
      const patch = { ...fields(current), status: to, updatedAt: this.now() };
      await tx.experiments.update(id, patch);
      const moved = { ...current, ...patch };
      tx.emit(event(Topic.ExperimentUpdated, id, moved));
      return moved;
    });
  }
}
