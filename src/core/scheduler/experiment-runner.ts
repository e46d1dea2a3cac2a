import { randomUUID } from 'node:crypto';
import type { EvaluationRequest, Evaluator } from '../../evaluation/evaluator.js';
import type { Logger } from '../../logger.js';
import type { CompiledSpace } from '../../space/index.js';
import { createStrategy } from '../../strategies/index.js';
import type { SearchStrategy } from '../../strategies/strategy.js';
import type { EventBus } from '../events/event-bus.js';
import { Topic, event, type PolicyUpdate } from '../events/topics.js';
import type { ExperimentLifecycleService } from '../experiments/experiment-lifecycle.service.js';
import { ExperimentStatus, isExperimentFinished } from '../experiments/experiment-status.js';
import type { SearchSpaceService } from '../search-spaces/search-space.service.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { TrialStatus } from '../trials/trial-status.js';
import type { NewTrial, TrialService } from '../trials/trial.service.js';
import { endOf } from './end-conditions.js';
import type { EvaluatorFactory } from './evaluator-factory.js';

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
  readonly events: EventBus;
  readonly trials: TrialService;
  readonly lifecycle: ExperimentLifecycleService;
  readonly spaces: SearchSpaceService;
  readonly evaluators: EvaluatorFactory;
  readonly logger: Logger;
  /** Identifies this process among the replicas. */
  readonly ownerId: string;
  /** Embedded mode: this process is the only one, so claims and in-process leases left by a dead predecessor are taken over at once. */
  readonly exclusive: boolean;
  readonly options: SchedulerOptions;
  readonly now: () => Date;
}

type PassResult = 'again' | 'idle' | 'done';

/**
 * One experiment's reconcile loop (Katib's shape): each pass reads the stored state and
 * moves it one step towards the budget — reclaim lost leases, feed finished rewards to
 * the strategy, end the experiment when a rule says so, propose up to `parallelTrials`
 * active trials within `maxTrials`, dispatch pending ones to the in-process evaluator.
 * A pass is idempotent: running it twice, or after a crash, converges to the same state.
 *
 * Exactly-once rewards: the strategy's state is saved (a PolicyCheckpoint) in the same
 * transaction that marks the trials it consumed as observed, and in the same transaction
 * that stores the trials it proposed. After a crash the strategy restarts from that
 * checkpoint, which has seen precisely the trials marked observed.
 */
export class ExperimentRunner {
  private strategy: SearchStrategy | null = null;
  private space: CompiledSpace | null = null;
  private evaluator: Evaluator | null | undefined;
  private readonly inflight = new Map<string, AbortController>();
  private readonly workerId: string;
  private pending = true;
  private stopping = false;
  private wakeup: (() => void) | null = null;
  private firstPass = true;
  private lastPublished = '';
  private lastPolicyStep = -1;
  private failures = 0;
  readonly done: Promise<void>;

  constructor(
    readonly experimentId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.workerId = `inproc:${deps.ownerId}`;
    this.done = this.loop();
  }

  wake(): void {
    this.pending = true;
    this.wakeup?.();
  }

  /** Stops the loop; in-process evaluations are aborted and their trials handed back as PENDING. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeup?.();
    await this.done;
  }

  private get log(): Logger {
    return this.deps.logger;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (!this.pending) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.deps.options.resyncMs);
          this.wakeup = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeup = null;
        if (this.stopping) break;
      }
      this.pending = false;
      try {
        const result = await this.pass();
        this.failures = 0;
        if (result === 'done') break;
        if (result === 'again') this.pending = true;
      } catch (error) {
        // The in-memory strategy may have consumed rewards that were not committed:
        // drop it, so the next pass restores it from the last checkpoint.
        this.dropStrategy();
        this.failures += 1;
        this.log.error({ err: error, experimentId: this.experimentId, failures: this.failures }, 'scheduler pass failed');
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 250 * 2 ** this.failures)));
        this.pending = true;
      }
    }
    await this.release();
  }

  private dropStrategy(): void {
    this.strategy?.dispose();
    this.strategy = null;
  }

  private async release(): Promise<void> {
    const handedBack: Promise<unknown>[] = [];
    for (const [trialId, controller] of this.inflight) {
      controller.abort();
      handedBack.push(
        this.deps.trials
          .find(trialId)
          .then((t) => (t && t.status === TrialStatus.RUNNING ? this.deps.trials.reclaim(t, Number.MAX_SAFE_INTEGER, 'scheduler stopped', false) : null))
          .catch((error: unknown) => this.log.warn({ err: error, trialId }, 'could not hand a trial back')),
      );
    }
    await Promise.all(handedBack);
    this.inflight.clear();
    this.dropStrategy();
    await this.evaluator?.dispose().catch((error: unknown) => this.log.warn({ err: error }, 'evaluator dispose failed'));
    this.evaluator = undefined;
    await this.deps.storage.experiments.releaseScheduler(this.experimentId, this.deps.ownerId).catch(() => undefined);
  }

  private async pass(): Promise<PassResult> {
    const { storage, options } = this.deps;
    const now = this.deps.now();
    const leaseUntil = new Date(now.getTime() + options.schedulerLeaseSeconds * 1000);
    const owned = await storage.experiments.claimScheduler(this.experimentId, this.deps.ownerId, leaseUntil, now, this.deps.exclusive && this.firstPass);
    if (!owned) return 'done';
    const experiment = await storage.experiments.findById(this.experimentId);
    if (experiment === null || isExperimentFinished(experiment.status) || experiment.status === ExperimentStatus.CREATED) return 'done';
    await this.prepare(experiment);
    await this.reclaimLeases(experiment, now);
    this.firstPass = false;
    await this.observe(experiment);

    const [counts, evaluations, unobserved, best] = await Promise.all([
      storage.trials.countByStatus(this.experimentId),
      storage.trials.countEvaluations(this.experimentId),
      storage.trials.listUnobserved(this.experimentId),
      storage.trials.best(this.experimentId, experiment.objective.direction, 1),
    ]);
    const ending = endOf(experiment, {
      counts,
      evaluations,
      unobserved: unobserved.length,
      bestReward: best[0]?.reward ?? null,
      cardinality: this.space!.cardinality,
      now,
    });
    const current = { ...experiment, bestTrialId: best[0]?.id ?? null };
    if (ending !== null) {
      if (current.bestTrialId !== experiment.bestTrialId) await storage.experiments.update(this.experimentId, { bestTrialId: current.bestTrialId });
      this.log.info({ experimentId: this.experimentId, status: ending.status, reason: ending.reason, evaluations }, 'experiment finished');
      await this.deps.lifecycle.finish(this.experimentId, ending.status, ending.reason, `experiment ended: ${ending.reason}`);
      return 'done';
    }
    let again = false;
    if (experiment.status === ExperimentStatus.RUNNING) {
      again = await this.fill(current, counts.PENDING + counts.RUNNING, evaluations);
      await this.dispatch(current);
    }
    await this.publishProgress(current);
    return again ? 'again' : 'idle';
  }

  private async prepare(experiment: ExperimentRecord): Promise<void> {
    this.space ??= await this.deps.spaces.compiledSpace(experiment.searchSpaceId);
    if (this.evaluator === undefined) this.evaluator = this.deps.evaluators.create(experiment.evaluator, experiment.constraints);
    if (this.strategy === null) {
      const strategy = createStrategy(this.space.decisions, experiment.strategy, experiment.seed);
      const checkpoint = await this.deps.storage.checkpoints.latest(this.experimentId);
      if (checkpoint !== null) strategy.restore(checkpoint.state as Parameters<SearchStrategy['restore']>[0]);
      this.strategy = strategy;
      this.lastPolicyStep = strategy.stats().step;
    }
  }

  /** Lost leases back to PENDING; at a restart of the only process, its predecessor's evaluations at once. */
  private async reclaimLeases(experiment: ExperimentRecord, now: Date): Promise<void> {
    const { storage, trials } = this.deps;
    // The predecessor's evaluations first, whether or not their leases have run out yet:
    // swept up below as expired instead, they would be charged an attempt for a crash that
    // was not theirs whenever the restart took longer than the trial lease — and a trial
    // that happened to be running at three such restarts ended FAILED (the kill test,
    // test/scheduler/crash-resume.test.ts, caught it).
    if (this.deps.exclusive && this.firstPass) {
      const running = await storage.trials.listByStatus(this.experimentId, [TrialStatus.RUNNING]);
      for (const trial of running) {
        if (trial.workerId?.startsWith('inproc:') && trial.workerId !== this.workerId) {
          await trials.reclaim(trial, experiment.budget.maxRetries, 'the previous server process stopped', false);
        }
      }
    }
    const expired = await storage.trials.listExpiredLeases(this.experimentId, now);
    for (const trial of expired) {
      if (this.inflight.has(trial.id)) continue;
      await trials.reclaim(trial, experiment.budget.maxRetries, `lease of ${trial.workerId ?? 'its worker'} expired`);
    }
  }

  private async observe(experiment: ExperimentRecord): Promise<void> {
    const { storage } = this.deps;
    const strategy = this.strategy!;
    const unobserved = await storage.trials.listUnobserved(this.experimentId);
    if (unobserved.length === 0) return;
    const sign = experiment.objective.direction === 'MAXIMIZE' ? 1 : -1;
    const rewarded = unobserved.filter((t) => t.reward !== null && (t.status === TrialStatus.SUCCEEDED || t.status === TrialStatus.PRUNED));
    if (rewarded.length > 0) {
      await strategy.observe(rewarded.map((t) => ({ actions: t.actions, reward: sign * t.reward!, policyVersion: t.policyVersion })));
    }
    const at = this.deps.now();
    const saved = await storage.transaction(async (tx) => {
      const checkpoint = await this.saveCheckpoint(tx, rewarded.map((t) => t.id));
      await tx.trials.markObserved(
        unobserved.map((t) => t.id),
        at,
      );
      return checkpoint;
    });
    // A new step's row is created by this very save, so what was saved is what is stored.
    if (saved.step !== this.lastPolicyStep) {
      this.lastPolicyStep = saved.step;
      await this.deps.events.publish(event(Topic.PolicyUpdated, this.experimentId, saved));
    }
  }

  private async saveCheckpoint(tx: Storage, observedTrialIds: readonly string[]): Promise<PolicyUpdate> {
    const strategy = this.strategy!;
    const stats = strategy.stats();
    const summary: PolicyUpdate = {
      id: randomUUID(),
      experimentId: this.experimentId,
      step: stats.step,
      stats: { baseline: stats.baseline, meanReward: stats.meanReward, entropy: stats.entropy },
      observedTrialIds,
      createdAt: this.deps.now(),
    };
    await tx.checkpoints.save({ ...summary, state: strategy.snapshot() });
    return summary;
  }

  /** Proposes up to the free slots; returns true when another round should follow at once. */
  private async fill(experiment: ExperimentRecord, active: number, evaluations: number): Promise<boolean> {
    const { budget } = experiment;
    const slots = Math.min(budget.parallelTrials - active, budget.maxTrials - evaluations);
    if (slots <= 0 || experiment.consecutiveDuplicates >= budget.maxConsecutiveDuplicates) return false;
    const space = this.space!;
    const proposals = await this.strategy!.propose(slots);
    const fresh: NewTrial[] = [];
    const answered: NewTrial[] = [];
    const inBatch = new Set<string>();
    let duplicates = experiment.consecutiveDuplicates;
    let dropped = 0;
    for (const proposal of proposals) {
      const architecture = space.decode(proposal.actions);
      const fingerprint = space.fingerprint(architecture);
      const trial = { actions: proposal.actions, architecture, label: space.label(architecture), fingerprint, policyVersion: proposal.policyVersion, logProb: proposal.logProb };
      const existing = inBatch.has(fingerprint) ? null : await this.deps.storage.trials.findByFingerprint(this.experimentId, fingerprint);
      if (!inBatch.has(fingerprint) && existing === null) {
        fresh.push(trial);
        inBatch.add(fingerprint);
        duplicates = 0;
      } else if (existing !== null && (existing.status === TrialStatus.SUCCEEDED || existing.status === TrialStatus.PRUNED)) {
        // Answered from the earlier result: recorded and visible, observed by the
        // strategy like any result, but no evaluation and no budget.
        answered.push({ ...trial, answeredBy: existing });
        duplicates += 1;
      } else {
        // The same architecture is being evaluated right now (or failed): nothing to
        // answer with, and evaluating it twice would waste budget.
        dropped += 1;
        duplicates += 1;
      }
    }
    const created = await this.deps.storage.transaction(async (tx) => {
      const rows = await this.deps.trials.createTrials(this.experimentId, [...fresh, ...answered], tx);
      await tx.experiments.update(this.experimentId, { consecutiveDuplicates: duplicates });
      await this.saveCheckpoint(tx, []);
      return rows;
    });
    await this.deps.trials.publishTrials(created);
    if (dropped > 0) this.log.debug({ experimentId: this.experimentId, dropped }, 'proposals of architectures in flight dropped');
    return fresh.length < slots && duplicates < budget.maxConsecutiveDuplicates;
  }

  private async dispatch(experiment: ExperimentRecord): Promise<void> {
    const evaluator = this.evaluator;
    if (!evaluator) return;
    const { storage, trials, options } = this.deps;
    while (this.inflight.size < experiment.budget.parallelTrials && !this.stopping) {
      const started = await storage.transaction(async (tx) => {
        const next = await tx.trials.lockNextPending(this.experimentId);
        return next ? trials.start(next.id, this.workerId, options.trialLeaseSeconds, tx) : null;
      });
      if (started === null) return;
      await trials.publishTrials([started]);
      this.launch(evaluator, experiment, started);
    }
  }

  private launch(evaluator: Evaluator, experiment: ExperimentRecord, trial: TrialRecord): void {
    const { trials, options } = this.deps;
    const controller = new AbortController();
    this.inflight.set(trial.id, controller);
    const stopIfFinished = (current: TrialRecord): void => {
      if (current.status !== TrialStatus.RUNNING) controller.abort();
    };
    const heartbeat = setInterval(() => {
      trials.heartbeat(trial.id, this.workerId, options.trialLeaseSeconds).then(stopIfFinished, (error: unknown) => {
        this.log.warn({ err: error, trialId: trial.id }, 'heartbeat failed');
        controller.abort();
      });
    }, (options.trialLeaseSeconds * 1000) / 3);
    heartbeat.unref();
    // Reports are chained so that a trial's learning curve is stored in order.
    let reports: Promise<void> = Promise.resolve();
    const request: EvaluationRequest = {
      trialId: trial.id,
      architecture: trial.architecture,
      actions: trial.actions,
      label: trial.label,
      seed: (experiment.seed + trial.sequence * 7919) % 2 ** 31,
      signal: controller.signal,
      report: (point) => {
        reports = reports
          .then(() => trials.reportMetric(trial.id, point.step, point.name, point.value, this.workerId))
          .then((r) => stopIfFinished(r.trial))
          .catch((error: unknown) => {
            this.log.debug({ err: error, trialId: trial.id }, 'metric report refused');
            controller.abort();
          });
      },
    };
    const objective = experiment.objective.metric;
    evaluator
      .evaluate(request)
      .then(async (result) => {
        await reports;
        if (controller.signal.aborted) return;
        const reward = objective !== 'reward' && Number.isFinite(result.metrics[objective]) ? result.metrics[objective]! : result.reward;
        await trials.complete(
          trial.id,
          { reward, metrics: result.metrics, params: result.params ?? null, flops: result.flops ?? null, latencyMs: result.latencyMs ?? null },
          { workerId: this.workerId },
        );
      })
      .catch(async (error: unknown) => {
        await reports;
        if (controller.signal.aborted) return;
        // In-process evaluations are deterministic (same architecture, same seed), so a
        // failure repeats; only errors that say otherwise are retried.
        const retryable = typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
        const message = error instanceof Error ? error.message : String(error);
        await trials.fail(trial.id, message, retryable, experiment.budget.maxRetries, this.workerId).catch((e: unknown) => {
          this.log.warn({ err: e, trialId: trial.id }, 'could not record a failed evaluation');
        });
      })
      .catch((error: unknown) => this.log.warn({ err: error, trialId: trial.id }, 'could not record an evaluation'))
      .finally(() => {
        clearInterval(heartbeat);
        this.inflight.delete(trial.id);
        this.wake();
      });
  }

  /** `experimentUpdated` when the counts or the best trial changed since the last one sent. */
  private async publishProgress(experiment: ExperimentRecord): Promise<void> {
    const { storage } = this.deps;
    const counts = await storage.trials.countByStatus(this.experimentId);
    const key = JSON.stringify([counts, experiment.bestTrialId, experiment.status]);
    if (key === this.lastPublished) return;
    const stored = await storage.experiments.findById(this.experimentId);
    if (stored === null) return;
    if (stored.bestTrialId !== experiment.bestTrialId) {
      const updatedAt = this.deps.now();
      await storage.experiments.update(this.experimentId, { bestTrialId: experiment.bestTrialId, updatedAt });
      Object.assign(stored, { bestTrialId: experiment.bestTrialId, updatedAt });
    }
    this.lastPublished = key;
    await this.deps.events.publish(event(Topic.ExperimentUpdated, this.experimentId, stored));
  }
}
