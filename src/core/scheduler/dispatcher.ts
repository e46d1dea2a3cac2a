import type { EvaluationRequest, EvaluationResult, Evaluator, ModelArtifact } from '../../evaluation/evaluator.js';
import type { Logger } from '../../logger.js';
import { placementOf } from '../../evaluation/placement.js';
import type { ArtifactStore } from '../../artifacts/index.js';
import { GraphnasError } from '../errors.js';
import { storeModel } from '../finalization/model-files.js';
import type { ExperimentRecord, TrialArtifact, TrialRecord } from '../storage/records.js';
import type { TrialService } from '../trials/trial.service.js';
import { trialEvaluation } from '../trials/trial-evaluation.js';
import { TrialStatus } from '../trials/trial-status.js';
import { TrialStage } from '../trials/trial-stage.js';
import { reclaim } from '../trials/trial-transitions.js';

export interface DispatcherDeps {
  readonly trials: TrialService;
  readonly logger: Logger;
  /** This process's worker identity for the trials it runs (`inproc:<owner>`). */
  readonly workerId: string;
  readonly leaseSeconds: number;
  /** Called when an evaluation settled (recorded or not): the runner's cue for another pass. */
  readonly settled: () => void;
  /** The trials it claims: the search's, or a finalization's. */
  readonly stage?: TrialStage;
  /** Where finalists' models go; a result with a model and no store fails its trial. */
  readonly artifacts?: ArtifactStore | null;
}

/**
 * Runs an experiment's PENDING trials on the in-process evaluator, up to `parallelTrials`
 * at a time, each under a lease it renews, through the same trial service (and so the
 * same finish rule and state machine) as external workers.
 */
export class Dispatcher {
  private readonly inflight = new Map<string, AbortController>();
  private stopping = false;

  constructor(private readonly deps: DispatcherDeps) {}

  /** Whether this process is evaluating the trial (its lease is ours even if the clock says it ran out). */
  runs(trialId: string): boolean {
    return this.inflight.has(trialId);
  }

  /**
   * Claims and launches PENDING trials until `parallelTrials` are in flight or none is
   * left. When remote workers draw from the same queue (placement `any`), only as many as
   * the evaluator starts at once: the rest stay PENDING for whoever is free first.
   */
  async fill(experiment: ExperimentRecord, evaluator: Evaluator): Promise<void> {
    // Finalists are the service's alone (workers claim search trials only).
    const shared = placementOf(experiment.evaluator) === 'any' && (this.deps.stage ?? TrialStage.SEARCH) === TrialStage.SEARCH;
    const room = (): boolean => !shared || (evaluator.idleCapacity?.() ?? Infinity) > 0;
    while (this.inflight.size < experiment.budget.parallelTrials && !this.stopping && room()) {
      const started = await this.deps.trials.claims.claimNext(experiment.id, this.deps.workerId, this.deps.leaseSeconds, this.deps.stage ?? TrialStage.SEARCH);
      if (started === null) return;
      this.launch(evaluator, experiment, started);
    }
  }

  /** Aborts every evaluation and hands its trial back as PENDING without counting an attempt: the stop is ours, not the trial's. */
  async stop(): Promise<void> {
    this.stopping = true;
    const handedBack = [...this.inflight].map(async ([trialId, controller]) => {
      controller.abort();
      await this.deps.trials
        .transition(trialId, reclaim(this.deps.workerId, Number.MAX_SAFE_INTEGER, 'scheduler stopped', false))
        .catch((error: unknown) => this.deps.logger.warn({ err: error, trialId }, 'could not hand a trial back'));
    });
    await Promise.all(handedBack);
    this.inflight.clear();
  }

  private launch(evaluator: Evaluator, experiment: ExperimentRecord, trial: TrialRecord): void {
    const { trials, workerId, leaseSeconds, logger } = this.deps;
    const controller = new AbortController();
    this.inflight.set(trial.id, controller);
    const stopIfFinished = (current: TrialRecord): void => {
      if (current.status !== TrialStatus.RUNNING) controller.abort();
    };
    const heartbeat = setInterval(() => {
      trials.heartbeat(trial.id, leaseSeconds, { workerId, scope: null }).then(stopIfFinished, (error: unknown) => {
        logger.warn({ err: error, trialId: trial.id }, 'heartbeat failed');
        controller.abort();
      });
    }, (leaseSeconds * 1000) / 3);
    heartbeat.unref();
    // Reports are chained so that a trial's learning curve is stored in order.
    let reports: Promise<void> = Promise.resolve();
    const { seed, dataSeed, final } = trialEvaluation(experiment, trial);
    const request: EvaluationRequest = {
      trialId: trial.id,
      architecture: trial.architecture,
      actions: trial.actions,
      label: trial.label,
      seed,
      dataSeed,
      ...(final ? { final } : {}),
      signal: controller.signal,
      report: (point) => {
        reports = reports
          .then(() => trials.reportMetric(trial.id, point.step, point.name, point.value, { workerId, scope: null }))
          .then((r) => stopIfFinished(r.trial))
          .catch((error: unknown) => {
            logger.debug({ err: error, trialId: trial.id }, 'metric report refused');
            controller.abort();
          });
      },
    };
    evaluator
      .evaluate(request)
      .then(
        async (result: EvaluationResult) => {
          await reports;
          if (controller.signal.aborted) return;
          const { artifact: model, ...reported } = result;
          let artifact: TrialArtifact | null = null;
          if (model) {
            try {
              artifact = await this.keep(experiment.id, trial.id, model);
            } catch (error) {
              // A full disk or a lost mount is the store's problem, not the trial's: worth a retry.
              const failed = await trials.fail(trial.id, `could not store the trained model: ${error instanceof Error ? error.message : String(error)}`, true, { workerId, scope: null });
              logger.warn({ err: error, experimentId: experiment.id, trialId: trial.id, status: failed.status }, 'trained model not stored');
              return;
            }
          }
          const done = await trials.complete(trial.id, { ...reported, artifact }, { workerId, scope: null }).catch(async (error: unknown) => {
            // The finish rule refused the result (no objective metric): the trial's failure, not a retry.
            if (!(error instanceof GraphnasError && error.code === 'BAD_USER_INPUT')) throw error;
            return trials.fail(trial.id, `the evaluation's result was refused: ${error.message}`, false, { workerId, scope: null });
          });
          logger.info(
            { experimentId: experiment.id, trialId: trial.id, sequence: trial.sequence, status: done.status, reward: done.reward, backend: result.runtime?.backend, adapter: result.runtime?.adapter },
            'trial evaluated',
          );
        },
        async (error: unknown) => {
          await reports;
          if (controller.signal.aborted) return;
          // In-process evaluations are deterministic (same architecture, same seed), so a
          // failure repeats; only errors that say otherwise are retried.
          // Duck-typed: an error rebuilt from a worker thread's message is no instance of ours.
          const retryable = typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
          const failed = await trials.fail(trial.id, error instanceof Error ? error.message : String(error), retryable, { workerId, scope: null });
          logger.info({ experimentId: experiment.id, trialId: trial.id, sequence: trial.sequence, status: failed.status, error: failed.error }, 'trial evaluation failed');
        },
      )
      .catch((error: unknown) => logger.warn({ err: error, trialId: trial.id }, 'could not record an evaluation'))
      .finally(() => {
        clearInterval(heartbeat);
        this.inflight.delete(trial.id);
        this.deps.settled();
      });
  }

  private async keep(experimentId: string, trialId: string, model: ModelArtifact): Promise<TrialArtifact> {
    const store = this.deps.artifacts;
    if (!store) throw new Error('this process has no artifact store');
    return storeModel(store, experimentId, trialId, model);
  }
}
