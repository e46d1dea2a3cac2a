import { randomUUID } from 'node:crypto';
import type { Actions, Architecture } from '../../space/types.js';
import { BadInputError, ConflictError, DomainError, NotFoundError, assertId } from '../errors.js';
import type { EventBus } from '../events/event-bus.js';
import { Topic, event } from '../events/topics.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { TrialMetricRecord, TrialRecord } from '../storage/records.js';
import type { Storage, TrialFilter, TrialOrder } from '../storage/storage.js';
import { TrialStatus, assertTrialTransition, isTrialFinished } from './trial-status.js';

export interface NewTrial {
  readonly actions: Actions;
  readonly architecture: Architecture;
  readonly label: string;
  readonly fingerprint: string;
  readonly policyVersion: number;
  readonly logProb: number;
}

export interface TrialOutcome {
  readonly reward: number;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly params?: number | null;
  readonly flops?: number | null;
  readonly latencyMs?: number | null;
}

type TrialPatch = Parameters<Storage['trials']['update']>[1];

export const MAX_METRIC_NAME = 100;

/**
 * Trials and their state machine (trial-status.ts). Every change goes through
 * `transition`, which locks the row, checks the move, writes, and publishes
 * `trialUpdated` after the commit.
 */
export class TrialService {
  constructor(
    private readonly storage: Storage,
    private readonly events: EventBus,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async get(id: string): Promise<TrialRecord> {
    assertId('id', id);
    const trial = await this.storage.trials.findById(id);
    if (trial === null) throw new NotFoundError('trial', id);
    return trial;
  }

  find(id: string): Promise<TrialRecord | null> {
    return this.storage.trials.findById(id);
  }

  list(experimentId: string, filter: TrialFilter, order: TrialOrder, page: PageRequest): Promise<Page<TrialRecord>> {
    return this.storage.trials.list(experimentId, filter, order, page);
  }

  metrics(trialId: string, name?: string | null): Promise<TrialMetricRecord[]> {
    return this.storage.metrics.list(trialId, name);
  }

  /**
   * Appends PENDING trials with the next gap-free sequence numbers. Runs inside the
   * caller's transaction when given one, so a scheduler can tie the insert to its own
   * bookkeeping; events are the caller's to publish then (see `publishTrials`).
   */
  async createTrials(experimentId: string, trials: readonly NewTrial[], tx?: Storage): Promise<TrialRecord[]> {
    const work = async (s: Storage): Promise<TrialRecord[]> => {
      const experiment = await s.experiments.findById(experimentId, { forUpdate: true });
      if (experiment === null) throw new NotFoundError('experiment', experimentId);
      const at = this.now();
      const records = trials.map((t, i): TrialRecord => ({
        id: randomUUID(),
        experimentId,
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
        duplicateOfId: null,
        workerId: null,
        attempt: 0,
        leaseExpiresAt: null,
        error: null,
        observedAt: null,
        idempotencyKey: null,
        createdAt: at,
        updatedAt: at,
        startedAt: null,
        finishedAt: null,
      }));
      await s.trials.insert(records);
      await s.experiments.update(experimentId, { trialSequence: experiment.trialSequence + trials.length, updatedAt: at });
      return records;
    };
    if (tx) return work(tx);
    const created = await this.storage.transaction(work);
    await this.publishTrials(created);
    return created;
  }

  async publishTrials(trials: readonly TrialRecord[]): Promise<void> {
    for (const trial of trials) await this.events.publish(event(Topic.TrialUpdated, trial.experimentId, trial));
  }

  /**
   * The one way a trial changes state. `check` sees the locked current row and may refuse
   * (throw) or turn the change into a no-op (return null, e.g. a repeated completion).
   */
  async transition(
    id: string,
    to: TrialStatus,
    patch: TrialPatch,
    check?: (current: TrialRecord) => 'apply' | 'skip',
    tx?: Storage,
  ): Promise<TrialRecord> {
    const work = async (s: Storage): Promise<{ trial: TrialRecord; changed: boolean }> => {
      const current = await s.trials.findById(id, { forUpdate: true });
      if (current === null) throw new NotFoundError('trial', id);
      if (check && check(current) === 'skip') return { trial: current, changed: false };
      assertTrialTransition(id, current.status, to);
      const at = this.now();
      const full: TrialPatch = {
        ...patch,
        status: to,
        updatedAt: at,
        ...(isTrialFinished(to) ? { finishedAt: at, leaseExpiresAt: null } : {}),
      };
      await s.trials.update(id, full);
      return { trial: { ...current, ...full } as TrialRecord, changed: true };
    };
    if (tx) return (await work(tx)).trial;
    const { trial, changed } = await this.storage.transaction(work);
    if (changed) await this.publishTrials([trial]);
    return trial;
  }

  /** PENDING → RUNNING for a worker holding a lease until `leaseSeconds` from now. */
  start(id: string, workerId: string, leaseSeconds: number, tx?: Storage): Promise<TrialRecord> {
    const at = this.now();
    return this.transition(
      id,
      TrialStatus.RUNNING,
      { workerId, startedAt: at, leaseExpiresAt: new Date(at.getTime() + leaseSeconds * 1000) },
      (current) => {
        if (current.status !== TrialStatus.PENDING) throw new ConflictError(`trial ${id} is ${current.status}, not PENDING`);
        return 'apply';
      },
      tx,
    ).then(async (trial) => {
      // The attempt counter moves with the start so that a crash mid-evaluation still counts.
      const attempt = trial.attempt + 1;
      await (tx ?? this.storage).trials.update(id, { attempt });
      return { ...trial, attempt };
    });
  }

  async reportMetric(trialId: string, step: number, name: string, value: number): Promise<TrialMetricRecord> {
    assertId('trialId', trialId);
    if (!Number.isInteger(step) || step < 0) throw BadInputError.field('step', 'must be a non-negative integer');
    if (name.length === 0 || name.length > MAX_METRIC_NAME) throw BadInputError.field('name', `must be 1 to ${MAX_METRIC_NAME} characters`);
    if (!Number.isFinite(value)) throw BadInputError.field('value', 'must be a finite number');
    const trial = await this.get(trialId);
    if (trial.status !== TrialStatus.RUNNING) {
      throw new DomainError('CONFLICT', `trial ${trialId} is ${trial.status}; metrics are reported while it runs`, { status: trial.status });
    }
    const metric = await this.storage.metrics.upsert({
      id: randomUUID(),
      trialId,
      experimentId: trial.experimentId,
      step,
      name,
      value,
      createdAt: this.now(),
    });
    await this.events.publish(event(Topic.TrialMetricReported, trial.experimentId, metric));
    return metric;
  }

  complete(id: string, outcome: TrialOutcome, tx?: Storage): Promise<TrialRecord> {
    if (!Number.isFinite(outcome.reward)) throw BadInputError.field('reward', 'must be a finite number');
    return this.transition(
      id,
      TrialStatus.SUCCEEDED,
      {
        reward: outcome.reward,
        finalMetrics: { ...(outcome.metrics ?? {}) },
        params: outcome.params ?? null,
        flops: outcome.flops ?? null,
        latencyMs: outcome.latencyMs ?? null,
        error: null,
      },
      undefined,
      tx,
    );
  }
}
