import type { ArtifactStore } from '../../artifacts/index.js';
import type { Evaluator } from '../../evaluation/evaluator.js';
import type { Logger } from '../../logger.js';
import type { CompiledSpace } from '../../space/index.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import type { FinalizationService } from '../finalization/finalization.service.js';
import type { SearchSpaceService } from '../search-spaces/search-space.service.js';
import type { ExperimentRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import type { TrialService } from '../trials/trial.service.js';
import { StalePassError, applyPlan, writesAnything } from './apply-plan.js';
import { Controller } from './controller.js';
import { Dispatcher } from './dispatcher.js';
import { failureBackoffMs, PassCue } from './pass-cue.js';
import type { EvaluatorFactory } from './evaluator-factory.js';
import { planPass } from './plan.js';
import type { SchedulerInstruments } from './scheduler-instruments.js';
import { readSnapshot, type PassSnapshot } from './snapshot.js';

export interface SchedulerOptions {
  /** How long a scheduler's claim on an experiment lasts without renewal. */
  readonly schedulerLeaseSeconds: number;
  /** Lease of an in-process evaluation; renewed every third of it. */
  readonly trialLeaseSeconds: number;
  /** A pass runs at least this often even when no event arrives (leases, time limits). */
  readonly resyncMs: number;
}

export interface RunnerDeps {
  readonly storage: Storage;
  readonly trials: TrialService;
  readonly spaces: SearchSpaceService;
  readonly evaluators: EvaluatorFactory;
  readonly finalizations: FinalizationService;
  /** Where finalists' models go; null in a process that keeps none (their trials then fail with that reason). */
  readonly artifacts: ArtifactStore | null;
  readonly logger: Logger;
  /** Identifies this process among the replicas. */
  readonly ownerId: string;
  /** Embedded mode: this process is the only one, so claims and in-process leases left by a dead predecessor are taken over at once. */
  readonly exclusive: boolean;
  readonly options: SchedulerOptions;
  readonly now: () => Date;
  readonly instruments?: SchedulerInstruments;
}

type PassResult = 'again' | 'idle' | 'done';

const LIVE: readonly ExperimentStatus[] = [ExperimentStatus.RUNNING, ExperimentStatus.PAUSED];

/**
 * One experiment's reconcile loop (Katib's shape). Each pass reads one snapshot of the
 * stored state (snapshot.ts), plans the step towards the budget (plan.ts), writes it in
 * one transaction (apply-plan.ts), then lets the dispatcher start PENDING trials on the
 * in-process evaluator (dispatcher.ts). A pass is idempotent: running it twice, or after
 * a crash, converges to the same state.
 *
 * Exactly-once rewards: the strategy's state is saved (a PolicyCheckpoint) in the same
 * transaction that marks the trials it consumed as observed and stores the trials it
 * proposed. After a crash the strategy restarts from that checkpoint, which has seen
 * precisely the trials marked observed.
 */
export class ExperimentRunner {
  private controller: Controller | null = null;
  private space: CompiledSpace | null = null;
  private evaluator: Evaluator | null | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly workerId: string;
  private readonly cue: PassCue;
  private stopping = false;
  private firstPass = true;
  private lastProgress = '';
  private failures = 0;
  /** When the cue for the next pass came (performance.now()), for the scheduler's lag. */
  private cuedAt: number | null = null;
  readonly done: Promise<void>;

  constructor(
    readonly experimentId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.workerId = `inproc:${deps.ownerId}`;
    this.cue = new PassCue(deps.options.resyncMs);
    this.dispatcher = new Dispatcher({
      trials: deps.trials,
      logger: deps.logger,
      workerId: this.workerId,
      leaseSeconds: deps.options.trialLeaseSeconds,
      settled: () => this.wake(),
    });
    this.done = this.loop();
  }

  wake(): void {
    this.cuedAt ??= performance.now();
    this.cue.cue();
  }

  /** Stops the loop; in-process evaluations are aborted and their trials handed back as PENDING. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cue.interrupt();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.cue.due();
      if (this.stopping) break;
      const began = performance.now();
      const lag = this.cuedAt === null ? 0 : began - this.cuedAt;
      this.cuedAt = null;
      try {
        const result = await this.pass();
        this.deps.instruments?.passed((performance.now() - began) / 1000, lag / 1000);
        this.failures = 0;
        if (result === 'done') break;
        if (result === 'again') this.cue.cue();
      } catch (error) {
        // The in-memory strategy may have consumed rewards that were not committed: drop
        // it, so the next pass restores it from the last checkpoint.
        this.dropController();
        if (error instanceof StalePassError) {
          this.cue.cue();
          continue;
        }
        this.failures += 1;
        this.deps.logger.error({ err: error, experimentId: this.experimentId, failures: this.failures }, 'scheduler pass failed');
        await new Promise((resolve) => setTimeout(resolve, failureBackoffMs(this.failures)));
        this.cue.cue();
      }
    }
    await this.release();
  }

  private dropController(): void {
    this.controller?.dispose();
    this.controller = null;
  }

  private async release(): Promise<void> {
    await this.dispatcher.stop();
    this.dropController();
    await this.evaluator?.dispose().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'evaluator dispose failed'));
    this.evaluator = undefined;
    await this.deps.storage.experiments.releaseScheduler(this.experimentId, this.deps.ownerId).catch(() => undefined);
  }

  private async pass(): Promise<PassResult> {
    const { storage, options, ownerId } = this.deps;
    const now = this.deps.now();
    const leaseUntil = new Date(now.getTime() + options.schedulerLeaseSeconds * 1000);
    const takeOver = this.deps.exclusive && this.firstPass;
    if (!(await storage.experiments.claimScheduler(this.experimentId, ownerId, leaseUntil, now, takeOver))) return 'done';
    const snapshot = await readSnapshot(storage, this.experimentId, {
      now,
      ours: (id) => this.dispatcher.runs(id),
      predecessor: takeOver ? (workerId) => workerId.startsWith('inproc:') && workerId !== this.workerId : null,
    });
    if (snapshot === null || !LIVE.includes(snapshot.experiment.status)) return 'done';
    const controller = await this.prepare(snapshot.experiment);

    const planning = performance.now();
    const plan = await planPass(snapshot, controller, this.space!, storage);
    if (snapshot.unobserved.length > 0 || plan.proposals !== null) this.deps.instruments?.strategyRan((performance.now() - planning) / 1000);
    const progress = JSON.stringify([snapshot.tally, plan.bestTrialId, snapshot.experiment.status]);
    const progressChanged = progress !== this.lastProgress;
    if (writesAnything(plan, snapshot, progressChanged)) {
      const applied = await storage.transaction((tx) => applyPlan(tx, plan, snapshot, controller, ownerId, progressChanged, this.deps.now()));
      if (applied.checkpointStep !== null) controller.stored(applied.checkpointStep);
      this.deps.instruments?.leasesExpired(plan.reclaims.filter((r) => r.countAttempt).length);
      this.lastProgress = progress;
      // Only a committed pass has taken the predecessor's trials over.
      this.firstPass = false;
      if (applied.experiment.status !== snapshot.experiment.status) {
        this.deps.logger.info({ experimentId: this.experimentId, status: applied.experiment.status, reason: applied.experiment.endReason }, 'experiment finished');
        return 'done';
      }
    }
    this.firstPass = false;
    await this.dispatch(snapshot);
    return plan.again ? 'again' : 'idle';
  }

  private async prepare(experiment: ExperimentRecord): Promise<Controller> {
    this.space ??= await this.deps.spaces.compiledSpace(experiment.searchSpaceId);
    if (this.evaluator === undefined) this.evaluator = this.deps.evaluators.create(experiment.evaluator, experiment.constraints);
    this.controller ??= await Controller.restore(this.deps.storage, experiment, this.space.decisions);
    return this.controller;
  }

  private async dispatch(snapshot: PassSnapshot): Promise<void> {
    if (this.evaluator && snapshot.experiment.status === ExperimentStatus.RUNNING && !this.stopping) {
      await this.dispatcher.fill(snapshot.experiment, this.evaluator);
    }
  }
}
