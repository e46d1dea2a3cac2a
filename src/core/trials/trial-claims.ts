import { inScope, type ProjectScope } from '../access/access.js';
import { workersMayClaim } from '../../evaluation/placement.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import { InvalidInputError, IssueList, NotFoundError, ConflictError, assertId, isId } from '../errors.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { TrialStage } from './trial-stage.js';
import { trialEvaluation, type TrialEvaluation } from './trial-evaluation.js';
import { applyTransition, start } from './trial-transitions.js';

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

/**
 * Ask: which PENDING trial an evaluator gets next, under a lease. The service's pool,
 * `claimTrial` callers and fleet workers all claim here, so one queue serves them all.
 */
export class TrialClaims {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date,
  ) {}

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
    // Only search trials: finalists train in the service's pool (src/core/scheduler/evaluator-factory.ts).
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

  claimNext(experimentId: string, workerId: string, leaseSeconds: number, stage = TrialStage.SEARCH): Promise<TrialRecord | null> {
    return this.storage.transaction(async (tx) => {
      const next = await tx.trials.lockNextPending(experimentId, stage);
      return next ? (await applyTransition(tx, next.id, start(workerId, leaseSeconds), this.now())).trial : null;
    });
  }
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
