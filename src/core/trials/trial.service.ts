import { randomUUID } from 'node:crypto';
import type { Actions, Architecture } from '../../space/types.js';
import { BadInputError, ConflictError, DomainError, NotFoundError, assertId } from '../errors.js';
import { medianStoppingRule } from '../early-stopping/median-stopping.js';
import type { EventBus } from '../events/event-bus.js';
import { Topic, event } from '../events/topics.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { ExperimentRecord, TrialMetricRecord, TrialRecord } from '../storage/records.js';
import type { Storage, TrialFilter, TrialOrder } from '../storage/storage.js';
import { TrialStatus, assertTrialTransition, isTrialFinished } from './trial-status.js';

export interface NewTrial {
  /** Set for a proposal answered from this earlier finished trial (same fingerprint) instead of an evaluation. */
  readonly answeredBy?: TrialRecord;
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
        ...blankTrial(at),
        ...(t.answeredBy ? answeredFrom(t.answeredBy, at) : {}),
        id: randomUUID(),
        experimentId,
        sequence: experiment.trialSequence + i + 1,
        actions: [...t.actions],
        architecture: t.architecture,
        label: t.label,
        fingerprint: t.fingerprint,
        policyVersion: t.policyVersion,
        logProb: t.logProb,
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
    late?: () => TrialPatch,
  ): Promise<TrialRecord> {
    const work = async (s: Storage): Promise<{ trial: TrialRecord; changed: boolean }> => {
      const current = await s.trials.findById(id, { forUpdate: true });
      if (current === null) throw new NotFoundError('trial', id);
      if (check && check(current) === 'skip') return { trial: current, changed: false };
      // `late` lets the check decide details (the target of a failure, the attempt number).
      const extra = late ? late() : {};
      const target = (extra.status as TrialStatus | undefined) ?? to;
      assertTrialTransition(id, current.status, target);
      const at = this.now();
      const full: TrialPatch = {
        ...patch,
        ...extra,
        status: target,
        updatedAt: at,
        ...(isTrialFinished(target) ? { finishedAt: at, leaseExpiresAt: null } : {}),
      };
      await s.trials.update(id, full);
      return { trial: { ...current, ...full } as TrialRecord, changed: true };
    };
    if (tx) return (await work(tx)).trial;
    const { trial, changed } = await this.storage.transaction(work);
    if (changed) await this.publishTrials([trial]);
    return trial;
  }

  /** PENDING → RUNNING for a worker holding a lease of `leaseSeconds` from now. */
  start(id: string, workerId: string, leaseSeconds: number, tx?: Storage): Promise<TrialRecord> {
    const at = this.now();
    let attempt = 0;
    return this.transition(
      id,
      TrialStatus.RUNNING,
      { workerId, startedAt: at, leaseSeconds, leaseExpiresAt: new Date(at.getTime() + leaseSeconds * 1000), error: null },
      (current) => {
        if (current.status !== TrialStatus.PENDING) throw new ConflictError(`trial ${id} is ${current.status}, not PENDING`);
        // The attempt counter moves with the start, so a crash mid-evaluation still counts.
        attempt = current.attempt + 1;
        return 'apply';
      },
      tx,
      () => ({ attempt }),
    );
  }

  /**
   * Ask: hands the oldest PENDING trial of an `external` experiment to a worker under a
   * lease, or null when there is nothing to do right now (all claimed, paused, finished).
   * SKIP LOCKED lets any number of workers claim at once without waiting on each other.
   */
  async claim(experimentId: string, workerId: string, leaseSeconds: number): Promise<TrialRecord | null> {
    assertId('experimentId', experimentId);
    checkWorkerId(workerId);
    checkLease(leaseSeconds);
    const experiment = await this.storage.experiments.findById(experimentId);
    if (experiment === null) throw new NotFoundError('experiment', experimentId);
    if (experiment.evaluator.type !== 'external') {
      throw new ConflictError(`experiment ${experimentId} evaluates its trials in-process (${experiment.evaluator.type}); only external experiments hand out trials`);
    }
    if (experiment.status !== 'RUNNING') return null;
    const claimed = await this.storage.transaction(async (tx) => {
      const next = await tx.trials.lockNextPending(experimentId);
      return next ? this.start(next.id, workerId, leaseSeconds, tx) : null;
    });
    if (claimed) await this.publishTrials([claimed]);
    return claimed;
  }

  /**
   * Renews the lease of a RUNNING trial. Answers with the trial as it is, so a worker
   * learns from its heartbeat that its trial was pruned or cancelled and stops.
   */
  async heartbeat(id: string, workerId: string | null, leaseSeconds: number | null): Promise<TrialRecord> {
    assertId('id', id);
    if (leaseSeconds !== null) checkLease(leaseSeconds);
    return this.storage.transaction(async (tx) => {
      const trial = await tx.trials.findById(id, { forUpdate: true });
      if (trial === null) throw new NotFoundError('trial', id);
      if (trial.status !== TrialStatus.RUNNING) return trial;
      assertHolder(trial, workerId, this.now());
      const seconds = leaseSeconds ?? trial.leaseSeconds ?? 60;
      const leaseExpiresAt = new Date(this.now().getTime() + seconds * 1000);
      await tx.trials.update(id, { leaseExpiresAt, leaseSeconds: seconds });
      return { ...trial, leaseExpiresAt, leaseSeconds: seconds };
    });
  }

  /**
   * Stores one learning-curve point and applies the experiment's early-stopping rule;
   * a trial the rule stops becomes PRUNED with its best value so far as reward.
   */
  async reportMetric(trialId: string, step: number, name: string, value: number, workerId: string | null = null): Promise<MetricReport> {
    assertId('trialId', trialId);
    if (!Number.isInteger(step) || step < 0) throw BadInputError.field('step', 'must be a non-negative integer');
    if (name.length === 0 || name.length > MAX_METRIC_NAME) throw BadInputError.field('name', `must be 1 to ${MAX_METRIC_NAME} characters`);
    if (!Number.isFinite(value)) throw BadInputError.field('value', 'must be a finite number');
    const trial = await this.get(trialId);
    if (trial.status !== TrialStatus.RUNNING) {
      // The same code as a late completion: to the worker both mean "stop, it is not yours".
      throw new DomainError('LEASE_LOST', `trial ${trialId} is ${trial.status}; metrics are reported while it runs`, { status: trial.status });
    }
    assertHolder(trial, workerId, this.now());
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
    const pruned = await this.applyEarlyStopping(trial, name, step);
    return { metric, trial: pruned ?? trial };
  }

  private async applyEarlyStopping(trial: TrialRecord, name: string, step: number): Promise<TrialRecord | null> {
    const experiment = await this.storage.experiments.findById(trial.experimentId);
    const rule = experiment?.earlyStopping;
    if (!experiment || !rule || rule.metric !== name) return null;
    const direction = experiment.objective.direction;
    const own = (await this.storage.metrics.list(trial.id, name)).filter((m) => m.step <= step).map((m) => m.value);
    const best = direction === 'MAXIMIZE' ? Math.max(...own) : Math.min(...own);
    const completed = await this.storage.metrics.valuesAtStep(trial.experimentId, name, step, [TrialStatus.SUCCEEDED]);
    const decision = medianStoppingRule(rule, direction, step, best, completed);
    if (!decision.stop) return null;
    return this.transition(trial.id, TrialStatus.PRUNED, { reward: best, finalMetrics: { [name]: best }, error: decision.reason }, (current) =>
      current.status === TrialStatus.RUNNING ? 'apply' : 'skip',
    );
  }

  /**
   * RUNNING → SUCCEEDED. Repeating a completion with the same idempotency key answers
   * the stored result; completing a trial whose lease this worker no longer holds is
   * LEASE_LOST.
   */
  complete(id: string, outcome: TrialOutcome, options: { workerId?: string | null; idempotencyKey?: string | null } = {}, tx?: Storage): Promise<TrialRecord> {
    if (!Number.isFinite(outcome.reward)) throw BadInputError.field('reward', 'must be a finite number');
    const key = options.idempotencyKey ?? null;
    if (key !== null && (key.length === 0 || key.length > 200)) throw BadInputError.field('idempotencyKey', 'must be 1 to 200 characters');
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
        idempotencyKey: key,
      },
      (current) => {
        if (key !== null && current.idempotencyKey === key && current.status === TrialStatus.SUCCEEDED) return 'skip';
        if (current.status !== TrialStatus.RUNNING) {
          throw new DomainError('LEASE_LOST', `trial ${id} is ${current.status}; this completion is not accepted`, { status: current.status });
        }
        assertHolder(current, options.workerId ?? null, this.now());
        return 'apply';
      },
      tx,
    );
  }

  /**
   * A worker's completion: `metrics` is the JSON it sent; the objective's metric (or
   * `reward`) becomes the reward, and `params`, `flops`, `latencyMs` are read out.
   */
  async completeFromWorker(
    trialId: string,
    metrics: unknown,
    options: { workerId: string | null; idempotencyKey: string | null },
  ): Promise<TrialRecord> {
    const values = parseMetrics(metrics);
    const experiment = await this.experimentOf(trialId);
    const reward = values[experiment.objective.metric] ?? values.reward;
    if (reward === undefined) throw BadInputError.field('metrics', `must contain "${experiment.objective.metric}" (the objective) or "reward"`);
    return this.complete(
      trialId,
      { reward, metrics: values, params: values.params ?? null, flops: values.flops ?? null, latencyMs: values.latencyMs ?? null },
      options,
    );
  }

  /** A worker's failure report, under the experiment's retry budget. */
  async failFromWorker(trialId: string, error: string, retryable: boolean, workerId: string | null): Promise<TrialRecord> {
    const experiment = await this.experimentOf(trialId);
    return this.fail(trialId, error, retryable, experiment.budget.maxRetries, workerId);
  }

  private async experimentOf(trialId: string): Promise<ExperimentRecord> {
    const trial = await this.get(trialId);
    const experiment = await this.storage.experiments.findById(trial.experimentId);
    if (experiment === null) throw new NotFoundError('experiment', trial.experimentId);
    return experiment;
  }

  /**
   * RUNNING → PENDING when the failure is retryable and attempts remain, else → FAILED.
   * The same rule applies to a lease that ran out (`reclaim`).
   */
  fail(id: string, error: string, retryable: boolean, maxRetries: number, workerId: string | null = null, tx?: Storage): Promise<TrialRecord> {
    const message = error.slice(0, 10_000);
    let to: TrialStatus = TrialStatus.FAILED;
    return this.transition(
      id,
      TrialStatus.FAILED,
      { error: message },
      (current) => {
        if (current.status !== TrialStatus.RUNNING) {
          throw new DomainError('LEASE_LOST', `trial ${id} is ${current.status}; this failure report is not accepted`, { status: current.status });
        }
        assertHolder(current, workerId, this.now());
        to = retryable && current.attempt <= maxRetries ? TrialStatus.PENDING : TrialStatus.FAILED;
        return 'apply';
      },
      tx,
      () => (to === TrialStatus.PENDING ? { status: to, workerId: null, leaseExpiresAt: null, startedAt: null } : {}),
    );
  }

  /**
   * A RUNNING trial whose holder is gone goes back to PENDING, or FAILED once its retries
   * are spent. `countAttempt` false gives the attempt back: when our own process stopped
   * (a restart, a shutdown), the trial itself is not to blame.
   */
  reclaim(trial: TrialRecord, maxRetries: number, reason: string, countAttempt = true): Promise<TrialRecord> {
    const attempt = countAttempt ? trial.attempt : Math.max(0, trial.attempt - 1);
    const retry = attempt <= maxRetries;
    return this.transition(
      trial.id,
      retry ? TrialStatus.PENDING : TrialStatus.FAILED,
      retry
        ? { workerId: null, leaseExpiresAt: null, startedAt: null, error: reason, attempt }
        : { error: `${reason}; no retries left (${trial.attempt} attempts)` },
      (current) => (current.status === TrialStatus.RUNNING && current.workerId === trial.workerId ? 'apply' : 'skip'),
    );
  }

  /** Cancels every PENDING and RUNNING trial of the experiment, inside the caller's transaction. */
  async cancelActive(experimentId: string, reason: string, tx: Storage): Promise<TrialRecord[]> {
    const active = await tx.trials.listByStatus(experimentId, [TrialStatus.PENDING, TrialStatus.RUNNING]);
    const cancelled: TrialRecord[] = [];
    for (const trial of active) {
      cancelled.push(await this.transition(trial.id, TrialStatus.CANCELLED, { error: reason }, undefined, tx));
    }
    return cancelled;
  }
}

function blankTrial(at: Date): Omit<TrialRecord, 'id' | 'experimentId' | 'sequence' | 'actions' | 'architecture' | 'label' | 'fingerprint' | 'policyVersion' | 'logProb'> {
  return {
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
    leaseSeconds: null,
    error: null,
    observedAt: null,
    idempotencyKey: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
  };
}

/** A duplicate carries the earlier trial's outcome, so dashboards and the strategy see a result. */
function answeredFrom(original: TrialRecord, at: Date): Partial<TrialRecord> {
  return {
    status: original.status,
    reward: original.reward,
    finalMetrics: original.finalMetrics,
    params: original.params,
    flops: original.flops,
    latencyMs: original.latencyMs,
    duplicateOfId: original.id,
    startedAt: at,
    finishedAt: at,
  };
}

/** The numbers a completion carries, checked one by one so a bad field is named. */
function parseMetrics(metrics: unknown): Record<string, number> {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw BadInputError.field('metrics', 'must be an object of numbers');
  const entries = Object.entries(metrics as Record<string, unknown>);
  if (entries.length > 200) throw BadInputError.field('metrics', 'at most 200 metrics');
  for (const [name, value] of entries) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw BadInputError.field(`metrics.${name}`, 'must be a finite number');
  }
  return Object.fromEntries(entries) as Record<string, number>;
}

export interface MetricReport {
  readonly metric: TrialMetricRecord;
  /** The trial after the report: PRUNED when the early-stopping rule stopped it. */
  readonly trial: TrialRecord;
}

export const MAX_LEASE_SECONDS = 24 * 3600;

export function checkWorkerId(workerId: string): void {
  if (workerId.length === 0 || workerId.length > 200) throw BadInputError.field('workerId', 'must be 1 to 200 characters');
}

export function checkLease(leaseSeconds: number): void {
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > MAX_LEASE_SECONDS) {
    throw BadInputError.field('leaseSeconds', `must be an integer between 1 and ${MAX_LEASE_SECONDS}`);
  }
}

/**
 * A worker that names itself must be the one holding a live lease. A caller that does not
 * name itself is only checked for an expired lease: it cannot be told apart from the
 * holder, which is why the worker protocol documents passing `workerId`.
 */
function assertHolder(trial: TrialRecord, workerId: string | null, now: Date): void {
  if (workerId !== null && trial.workerId !== workerId) {
    throw new DomainError('LEASE_LOST', `trial ${trial.id} is held by another worker`, { status: trial.status });
  }
  if (trial.leaseExpiresAt !== null && trial.leaseExpiresAt < now) {
    throw new DomainError('LEASE_LOST', `the lease on trial ${trial.id} expired at ${trial.leaseExpiresAt.toISOString()}`, { status: trial.status });
  }
}
