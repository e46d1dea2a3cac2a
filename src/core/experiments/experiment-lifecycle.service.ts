import { ConflictError, NotFoundError, assertId } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { Topic, event } from '../events/topics.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import type { TrialService } from '../trials/trial.service.js';
import { EndReason, ExperimentStatus, assertExperimentTransition } from './experiment-status.js';

/**
 * The experiment state machine's transitions. Mutations only change the stored state and
 * announce it; the scheduler's reconcile loop notices and converges (it starts a loop
 * for a RUNNING experiment, stops proposing for a PAUSED one, aborts evaluations of a
 * CANCELLED one). An invalid transition is a CONFLICT and changes nothing.
 */
export class ExperimentLifecycleService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    private readonly trials: TrialService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(id: string): Promise<ExperimentRecord> {
    return this.move(id, ExperimentStatus.RUNNING, (current) => ({ startedAt: current.startedAt ?? this.now() }), [ExperimentStatus.CREATED]);
  }

  pause(id: string): Promise<ExperimentRecord> {
    return this.move(id, ExperimentStatus.PAUSED, () => ({}), [ExperimentStatus.RUNNING]);
  }

  resume(id: string): Promise<ExperimentRecord> {
    return this.move(id, ExperimentStatus.RUNNING, () => ({}), [ExperimentStatus.PAUSED]);
  }

  cancel(id: string): Promise<ExperimentRecord> {
    return this.finish(id, ExperimentStatus.CANCELLED, EndReason.CANCELLED, 'experiment cancelled');
  }

  /** Ends the experiment for `reason`, cancelling what is still pending or running. */
  async finish(id: string, status: ExperimentStatus, reason: EndReason, cancelMessage: string): Promise<ExperimentRecord> {
    assertId('id', id);
    let cancelled: TrialRecord[] = [];
    const updated = await this.storage.transaction(async (tx) => {
      const current = await tx.experiments.findById(id, { forUpdate: true });
      if (current === null) throw new NotFoundError('experiment', id);
      assertExperimentTransition(id, current.status, status);
      cancelled = await this.trials.cancelActive(id, cancelMessage, tx);
      const at = this.now();
      const patch = { status, endReason: reason, finishedAt: at, updatedAt: at, schedulerOwner: null, schedulerLeaseUntil: null };
      await tx.experiments.update(id, patch);
      return { ...current, ...patch };
    });
    await this.trials.publishTrials(cancelled);
    await this.events.publish(event(Topic.ExperimentUpdated, id, updated));
    return updated;
  }

  private async move(
    id: string,
    to: ExperimentStatus,
    fields: (current: ExperimentRecord) => Partial<ExperimentRecord>,
    from: readonly ExperimentStatus[],
  ): Promise<ExperimentRecord> {
    assertId('id', id);
    const updated = await this.storage.transaction(async (tx) => {
      const current = await tx.experiments.findById(id, { forUpdate: true });
      if (current === null) throw new NotFoundError('experiment', id);
      // `from` keeps start (from CREATED) and resume (from PAUSED) distinct.
      if (!from.includes(current.status)) {
        throw new ConflictError(`experiment ${id} is ${current.status}; this needs it ${from.join(' or ')}`, { from: current.status, to });
      }
      assertExperimentTransition(id, current.status, to);
      const patch = { ...fields(current), status: to, updatedAt: this.now() };
      await tx.experiments.update(id, patch);
      return { ...current, ...patch };
    });
    await this.events.publish(event(Topic.ExperimentUpdated, id, updated));
    return updated;
  }
}
