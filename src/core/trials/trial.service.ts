import { randomUUID } from 'node:crypto';
import { inScope, type ProjectScope } from '../access/access.js';
import { earlyStopVerdict } from '../early-stopping/early-stopping.js';
import { workersMayClaim } from '../../evaluation/placement.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import { InvalidInputError, IssueList, NotFoundError, ConflictError, assertId, isId } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import type { PluginCatalog } from '../experiments/plugin-catalog.js';
import { finishRule, type ReportedResult } from '../objective/finish-rule.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { ExperimentRecord, TrialMetricRecord, TrialRecord, TrialRuntime } from '../storage/records.js';
import type { Storage, Transaction, TrialFilter, TrialOrder } from '../storage/storage.js';
import { TrialStatus } from './trial-status.js';
import { trialEvaluation, type TrialEvaluation } from './trial-evaluation.js';
import { applyTransition, assertHolder, assertRunning, complete, fail, prune, start, type Decide } from './trial-transitions.js';

export const MAX_METRIC_NAME = 100;
export const MAX_LEASE_SECONDS = 24 * 3600;
/** Ids or names one claim may list: a worker's configuration, not a query. */
export const MAX_CLAIM_FILTER = 100;

/**
 * Which experiments a claim across experiments may draw from (a fleet worker's
 * `--experiment` and `--project` options): all RUNNING ones whose trials workers may
 * claim, in the caller's scope, narrowed by what is given.
 */
export interface ClaimFilter {
  readonly experimentIds?: readonly string[] | null;
  readonly projects?: readonly string[] | null;
  /** Experiments the worker cannot serve (it lacks their dataset). */
  readonly exceptExperimentIds?: readonly string[] | null;
  /** Only experiments whose evaluator is one of these: the ones the worker has code for (`graphnas worker` runs no `external` one). */
  readonly evaluatorTypes?: readonly string[] | null;
}

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
  ) {}

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

  metrics(trialId: string, name?: string | null): Promise<TrialMetricRecord[]> {
    return this.storage.metrics.list(trialId, name);
  }

  /** One move of the state machine in a transaction of its own. */
  async transition(id: string, decide: Decide): Promise<TrialRecord> {
    return this.storage.transaction(async (tx) => (await applyTransition(tx, id, decide, this.now())).trial);
  }

  /**
   * Ask: hands the oldest PENDING trial of a RUNNING experiment to a worker under a lease,
   * or null when there is nothing to do right now. SKIP LOCKED lets any number of workers
   * claim at once without waiting on each other. Only experiments whose placement lets
   * workers evaluate (`workers`, `any`, and `external` evaluators: src/evaluation/placement.ts)
   * hand trials out; the service's own pool claims through `claimNext`.
   */
  async claim(experimentId: string, workerId: string, leaseSeconds: number, scope: ProjectScope): Promise<TrialRecord | null> {
    assertId('experimentId', experimentId);
    checkWorkerId(workerId);
    checkLease(leaseSeconds);
    const experiment = await this.storage.experiments.findById(experimentId);
    if (experiment === null || !inScope(scope, experiment.project)) throw new NotFoundError('experiment', experimentId);
    if (!workersMayClaim(experiment.evaluator)) {
      throw new ConflictError(
        `experiment ${experimentId} evaluates its trials in the service's pool (${experiment.evaluator.type}, placement service); workers claim trials of experiments whose evaluator has placement workers or any`,
      );
    }
    return experiment.status === ExperimentStatus.RUNNING ? this.claimNext(experimentId, workerId, leaseSeconds) : null;
  }

  /**
   * Ask, across experiments: the oldest PENDING trial of the experiment that started
   * first among those the filter admits (a queue: each experiment holds at most its
   * `parallelTrials` in flight, so an old one cannot starve the rest), or null.
   */
  async claimAny(filter: ClaimFilter, workerId: string, leaseSeconds: number, scope: ProjectScope): Promise<TrialRecord | null> {
    checkWorkerId(workerId);
    checkLease(leaseSeconds);
    checkClaimFilter(filter);
    for (const experiment of await this.claimable(filter, scope)) {
      const trial = await this.claimNext(experiment.id, workerId, leaseSeconds);
      if (trial !== null) return trial;
    }
    return null;
  }

  /** RUNNING experiments in scope that workers may claim from and the filter admits, first started first. */
  private async claimable(filter: ClaimFilter, scope: ProjectScope): Promise<ExperimentRecord[]> {
    const except = new Set(filter.exceptExperimentIds ?? []);
    const projects = filter.projects?.length ? new Set(filter.projects) : null;
    const types = filter.evaluatorTypes?.length ? new Set(filter.evaluatorTypes) : null;
    let found: ExperimentRecord[];
    if (filter.experimentIds?.length) {
      found = (await Promise.all(filter.experimentIds.map((id) => this.storage.experiments.findById(id)))).filter((e): e is ExperimentRecord => e !== null);
    } else {
      found = [];
      // One project: the store narrows it; several: each page is filtered below.
      const project = projects?.size === 1 ? [...projects][0] : null;
      for (let after: string | null = null; ; ) {
        const page = await this.storage.experiments.list({ statuses: [ExperimentStatus.RUNNING], project }, { first: 500, after });
        found.push(...page.items.map((i) => i.node));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
      }
    }
    return found
      .filter((e) => e.status === ExperimentStatus.RUNNING && inScope(scope, e.project) && (projects === null || projects.has(e.project)) && !except.has(e.id) && (types === null || types.has(e.evaluator.type)) && workersMayClaim(e.evaluator))
      .sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0) || a.id.localeCompare(b.id));
  }

  /** What a worker needs to evaluate the trial as the service would (src/core/trials/trial-evaluation.ts). */
  async evaluationOf(trial: TrialRecord): Promise<TrialEvaluation> {
    const experiment = await this.storage.experiments.findById(trial.experimentId);
    if (experiment === null) throw new NotFoundError('experiment', trial.experimentId);
    return trialEvaluation(experiment, trial);
  }

  claimNext(experimentId: string, workerId: string, leaseSeconds: number): Promise<TrialRecord | null> {
    return this.storage.transaction(async (tx) => {
      const next = await tx.trials.lockNextPending(experimentId);
      return next ? (await applyTransition(tx, next.id, start(workerId, leaseSeconds), this.now())).trial : null;
    });
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
      tx.emit(event(Topic.TrialMetricReported, trial.experimentId, metric));
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

function checkClaimFilter(filter: ClaimFilter): void {
  const errors = new IssueList();
  for (const key of ['experimentIds', 'projects', 'exceptExperimentIds', 'evaluatorTypes'] as const) {
    const values = filter[key] ?? [];
    if (values.length > MAX_CLAIM_FILTER) errors.add(`from.${key}`, `at most ${MAX_CLAIM_FILTER}`);
    if (key === 'projects' || key === 'evaluatorTypes') continue;
    for (const [i, id] of values.entries()) if (!isId(id)) errors.add(`from.${key}[${i}]`, `"${id.slice(0, 64)}" is not a valid id (a UUID)`);
  }
  errors.throwIfAny('invalid claim filter');
}

export function checkWorkerId(workerId: string): void {
  if (workerId.length === 0 || workerId.length > 200) throw InvalidInputError.field('workerId', 'must be 1 to 200 characters');
}

export function checkLease(leaseSeconds: number): void {
  if (!Number.isInteger(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > MAX_LEASE_SECONDS) {
    throw InvalidInputError.field('leaseSeconds', `must be an integer between 1 and ${MAX_LEASE_SECONDS}`);
  }
}
