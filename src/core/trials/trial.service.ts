import { randomUUID } from 'node:crypto';
import { inScope, type ProjectScope } from '../access/access.js';
import { earlyStopVerdict } from '../early-stopping/early-stopping.js';
import { InvalidInputError, IssueList, NotFoundError, assertId } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import type { PluginCatalog } from '../experiments/plugin-catalog.js';
import { finishRule, type ReportedResult } from '../objective/finish-rule.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { ExperimentRecord, TrialMetricRecord, TrialRecord, TrialRuntime } from '../storage/records.js';
import type { Storage, Transaction, TrialFilter, TrialOrder } from '../storage/storage.js';
import { TrialStatus } from './trial-status.js';
import { checkLease, TrialClaims } from './trial-claims.js';
import { applyTransition, assertHolder, assertRunning, complete, fail, prune, type Decide } from './trial-transitions.js';

export const MAX_METRIC_NAME = 100;
export interface MetricReport {
  readonly metric: TrialMetricRecord;
  /** The trial after the report: PRUNED when the early-stopping rule stopped it. */
  readonly trial: TrialRecord;
}

/**
 * Who reports on a trial: `workerId` is the worker identity (from its API key, or its
 * name under open access; src/core/access/access.ts), checked against the trial's holder;
 * `scope` the project the caller may touch.
 */
export interface Reporter {
  readonly workerId: string | null;
  readonly scope: ProjectScope;
}

export interface CompletionOptions extends Reporter {
  readonly idempotencyKey?: string | null;
}

/**
 * Trials as evaluators see them: read them, claim one (ask), renew its lease, report its
 * learning curve, complete or fail it (tell). The in-process evaluators and external
 * workers go through the same methods, so one finish rule and one state machine serve
 * both. Every change is one transaction whose events leave with its commit.
 */
export class TrialService {
  constructor(
    private readonly storage: Storage,
    private readonly plugins: Pick<PluginCatalog, 'constraintsOf'>,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.claims = new TrialClaims(storage, now);
  }

  /** Ask: how evaluators get trials to run (src/core/trials/trial-claims.ts). */
  readonly claims: TrialClaims;

  /** A trial of an experiment outside the scope is NOT_FOUND, like one that does not exist. */
  async get(id: string, scope: ProjectScope): Promise<TrialRecord> {
    assertId('id', id);
    const trial = await this.storage.trials.findById(id);
    if (trial === null) throw new NotFoundError('trial', id);
    if (scope !== null) {
      const experiment = await this.storage.experiments.findById(trial.experimentId);
      if (experiment === null || !inScope(scope, experiment.project)) throw new NotFoundError('trial', id);
    }
    return trial;
  }

  find(id: string): Promise<TrialRecord | null> {
    return this.storage.trials.findById(id);
  }

  list(experimentId: string, filter: TrialFilter, order: TrialOrder, page: PageRequest): Promise<Page<TrialRecord>> {
    return this.storage.trials.list(experimentId, filter, order, page);
  }

  /** The learning curves of several trials (of one metric, or all), one query for all. */
  metricsOf(trialIds: readonly string[], name?: string | null): Promise<Map<string, TrialMetricRecord[]>> {
    return this.storage.metrics.listForTrials(trialIds, name);
  }

  /** One move of the state machine in a transaction of its own. */
  async transition(id: string, decide: Decide): Promise<TrialRecord> {
    return this.storage.transaction(async (tx) => (await applyTransition(tx, id, decide, this.now())).trial);
  }

  /**
   * Renews the lease of a RUNNING trial. Answers with the trial as it is, so a worker
   * learns from its heartbeat that its trial was pruned or cancelled and stops. A renewal
   * is no event: nothing a subscriber shows changes.
   */
  async heartbeat(id: string, leaseSeconds: number | null, reporter: Reporter): Promise<TrialRecord> {
    assertId('id', id);
    if (leaseSeconds !== null) checkLease(leaseSeconds);
    const { workerId } = reporter;
    return this.storage.transaction(async (tx) => {
      const trial = await this.locked(tx, id, reporter.scope);
      if (trial.status !== TrialStatus.RUNNING) return trial;
      assertHolder(trial, workerId, this.now());
      const seconds = leaseSeconds ?? trial.leaseSeconds ?? 60;
      const leaseExpiresAt = new Date(this.now().getTime() + seconds * 1000);
      await tx.trials.update(id, { leaseExpiresAt, leaseSeconds: seconds });
      return { ...trial, leaseExpiresAt, leaseSeconds: seconds };
    });
  }

  /**
   * Stores one learning-curve point and applies the experiment's early-stopping rule in
   * the same transaction; a trial the rule stops becomes PRUNED with its best value so far.
   */
  async reportMetric(trialId: string, step: number, name: string, value: number, reporter: Reporter): Promise<MetricReport> {
    assertId('trialId', trialId);
    if (!Number.isInteger(step) || step < 0) throw InvalidInputError.field('step', 'must be a non-negative integer');
    if (name.length === 0 || name.length > MAX_METRIC_NAME) throw InvalidInputError.field('name', `must be 1 to ${MAX_METRIC_NAME} characters`);
    if (!Number.isFinite(value)) throw InvalidInputError.field('value', 'must be a finite number');
    return this.storage.transaction(async (tx) => {
      const trial = await this.locked(tx, trialId, reporter.scope);
      assertRunning(trial, 'metrics are reported while it runs');
      assertHolder(trial, reporter.workerId, this.now());
      const metric = await tx.metrics.upsert({ id: randomUUID(), trialId, experimentId: trial.experimentId, step, name, value, createdAt: this.now() });
      tx.emit(event(Topic.TrialMetricReported, trial.experimentId, { ...metric, stage: trial.stage }));
      const verdict = await earlyStopVerdict(tx, await this.experimentOf(tx, trial), trial, name, step, value);
      if (verdict === null) return { metric, trial };
      const pruned = await applyTransition(tx, trialId, prune(verdict.reward, verdict.finalMetrics, verdict.reason), this.now());
      return { metric, trial: pruned.trial };
    });
  }

  /**
   * Tell, success: RUNNING → SUCCEEDED with the reward the finish rule gives what was
   * reported. Repeating a completion with the same idempotency key answers the stored
   * result; completing a trial whose lease this worker no longer holds is LEASE_LOST.
   */
  async complete(trialId: string, reported: ReportedResult, options: CompletionOptions): Promise<TrialRecord> {
    assertId('trialId', trialId);
    const key = options.idempotencyKey ?? null;
    if (key !== null && (key.length === 0 || key.length > 200)) throw InvalidInputError.field('idempotencyKey', 'must be 1 to 200 characters');
    return this.storage.transaction(async (tx) => {
      const trial = await this.locked(tx, trialId, options.scope);
      const experiment = await this.experimentOf(tx, trial);
      const constraints = this.plugins.constraintsOf(experiment.evaluator, experiment.constraints);
      const score = () => finishRule(experiment.objective, constraints, reported);
      return (await applyTransition(tx, trialId, complete(score, options.workerId, key), this.now())).trial;
    });
  }

  /**
   * A worker's completion: `metrics` is the JSON it sent; `params`, `flops`, `latencyMs`
   * are read out of it; `runtime` is what trained it, as the worker says.
   */
  completeFromWorker(trialId: string, metrics: unknown, runtime: TrialRuntime | null, options: CompletionOptions): Promise<TrialRecord> {
    const values = parseMetrics(metrics);
    return this.complete(trialId, { metrics: values, params: values.params, flops: values.flops, latencyMs: values.latencyMs, runtime: checkRuntime(runtime) }, options);
  }

  /** Tell, failure: back to PENDING when retryable and attempts remain (the experiment's maxRetries), else FAILED. */
  async fail(trialId: string, error: string, retryable: boolean, reporter: Reporter): Promise<TrialRecord> {
    assertId('trialId', trialId);
    return this.storage.transaction(async (tx) => {
      const trial = await this.locked(tx, trialId, reporter.scope);
      const experiment = await this.experimentOf(tx, trial);
      return (await applyTransition(tx, trialId, fail(error, retryable, experiment.budget.maxRetries, reporter.workerId), this.now())).trial;
    });
  }

  private async locked(tx: Transaction, id: string, scope: ProjectScope): Promise<TrialRecord> {
    const trial = await tx.trials.findById(id, { forUpdate: true });
    if (trial === null) throw new NotFoundError('trial', id);
    if (scope !== null && !inScope(scope, (await this.experimentOf(tx, trial)).project)) throw new NotFoundError('trial', id);
    return trial;
  }

  private async experimentOf(tx: Transaction, trial: TrialRecord): Promise<ExperimentRecord> {
    const experiment = await tx.experiments.findById(trial.experimentId);
    if (experiment === null) throw new NotFoundError('experiment', trial.experimentId);
    return experiment;
  }
}

/** The numbers a completion carries, checked one by one so a bad field is named. */
function parseMetrics(metrics: unknown): Record<string, number> {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw InvalidInputError.field('metrics', 'must be an object of numbers');
  const entries = Object.entries(metrics as Record<string, unknown>);
  if (entries.length > 200) throw InvalidInputError.field('metrics', 'at most 200 metrics');
  const issues = entries.flatMap(([name, value]) =>
    typeof value === 'number' && Number.isFinite(value) ? [] : [{ path: `metrics.${name}`, message: 'must be a finite number' }],
  );
  if (issues.length > 0) throw new InvalidInputError('invalid metrics', issues);
  return Object.fromEntries(entries) as Record<string, number>;
}

function checkRuntime(runtime: TrialRuntime | null): TrialRuntime | null {
  if (runtime === null) return null;
  const errors = new IssueList();
  if (runtime.backend.length === 0 || runtime.backend.length > 64) errors.add('runtime.backend', 'must be 1 to 64 characters');
  if (runtime.adapter !== null && runtime.adapter.length > 500) errors.add('runtime.adapter', 'must be at most 500 characters');
  errors.throwIfAny('invalid runtime');
  return { backend: runtime.backend, adapter: runtime.adapter };
}
