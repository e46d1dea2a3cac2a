import type { EvaluationRequest, EvaluationResult, Evaluator } from '../evaluation/evaluator.js';
import type { Logger } from '../logger.js';
import { buildEvaluator, missingOnThisMachine, workerEvaluatorTypes } from '../plugins.js';
import { isLeaseLost, isTransient, type ClaimedTrial, type WorkerApi } from './api.js';
import type { MachineInfo } from './machine-info.js';
import type { TrialOutcome, WorkerMetrics } from './worker-metrics.js';

export interface FleetWorkerOptions {
  readonly api: WorkerApi;
  /** Its name among its key's workers; trials it holds record `<key identity>/<name>`. */
  readonly name: string;
  /** Trials evaluated at once. */
  readonly concurrency: number;
  /** Only these experiments (none: every one its key may see). */
  readonly experimentIds: readonly string[];
  /** Only these projects' experiments (none: every one). */
  readonly projects: readonly string[];
  /** Lease of a claimed trial and of the registration; both are renewed every third of it. */
  readonly leaseSeconds: number;
  /** First and longest wait after a claim found nothing, or the service did not answer. */
  readonly idleMs: number;
  readonly maxIdleMs: number;
  /** After a graceful stop: how long trials in hand may run on before they are handed back. */
  readonly stopGraceMs: number;
  /** What it trains on until its first trial says (the backend request). */
  readonly backend: string;
  readonly machine: MachineInfo;
  readonly logger: Logger;
  readonly metrics: WorkerMetrics;
}

export interface FleetWorkerSummary {
  readonly outcomes: Readonly<Record<TrialOutcome, number>>;
}

interface InHand {
  readonly trial: ClaimedTrial;
  readonly controller: AbortController;
}

/** Why an evaluation was aborted: decides what becomes of the trial. */
type StopReason = 'lease lost' | 'stopped by the service' | 'handed back';

/**
 * A remote evaluator: claims trials over the API (claimTrial with `from`, across the
 * experiments its key and options admit), evaluates each with exactly the code the
 * service's own pool runs (the experiment's evaluator, options and seeds), renews each
 * lease, streams the learning curve, and completes or fails it — with the idempotency
 * key that lets a completion whose answer was lost be sent again safely.
 *
 * Stateless and disposable: everything it knows comes with a claim. Killed, or cut off
 * from the service, it simply stops renewing and the trial's lease runs out, so the
 * scheduler gives the trial to another worker; its own late report is then refused
 * (LEASE_LOST) and dropped. Unreachable, it backs off and retries. Asked to stop
 * (SIGTERM), it claims nothing more, lets the trials in hand finish within the grace,
 * and hands back the rest (failTrial, retryable) for others.
 */
export class FleetWorker {
  private readonly inHand = new Map<string, InHand>();
  private readonly evaluators = new Map<string, { evaluator: Evaluator; lastUsed: number }>();
  /** Experiments it cannot serve (their dataset is not on this machine): never claimed from again. */
  private readonly unservable = new Set<string>();
  private readonly outcomes: Record<TrialOutcome, number> = { completed: 0, failed: 0, stopped: 0, lease_lost: 0, handed_back: 0, abandoned: 0 };
  private readonly stopping = new AbortController();
  /** Aborted once the stop's grace is over: what has not been sent by then is let go. */
  private readonly abandoned = new AbortController();
  private fatal: unknown = null;
  private runtime: { backend: string; adapter: string | null } | null = null;

  constructor(private readonly options: FleetWorkerOptions) {}

  /** Runs until `stop` (or a refusal that retrying cannot cure: a bad key, a bad option), then unregisters. */
  async run(): Promise<FleetWorkerSummary> {
    const registration = this.keepRegistered();
    const slots = Array.from({ length: this.options.concurrency }, () => this.slot());
    await Promise.all(slots);
    await registration;
    await Promise.all([...this.evaluators.values()].map(({ evaluator }) => evaluator.dispose()));
    this.evaluators.clear();
    await this.options.api.unregister(this.options.name).catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not unregister; the registration expires by itself'));
    if (this.fatal !== null) throw this.fatal;
    return { outcomes: { ...this.outcomes } };
  }

  /**
   * Stops claiming. Trials in hand may finish for `graceMs` (default: the configured
   * grace); the rest are handed back. Resolves at once; `run` resolves when it is done.
   */
  stop(graceMs = this.options.stopGraceMs): void {
    if (!this.stopping.signal.aborted) {
      this.options.logger.info({ inHand: this.inHand.size, graceMs }, 'worker stopping: no more claims');
      this.stopping.abort();
    }
    const handBack = (): void => {
      this.abandoned.abort();
      for (const { controller } of this.inHand.values()) controller.abort('handed back' satisfies StopReason);
    };
    if (graceMs <= 0) handBack();
    else setTimeout(handBack, graceMs).unref();
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private async keepRegistered(): Promise<void> {
    const { api, name, machine, concurrency, leaseSeconds } = this.options;
    let registered = false;
    while (!this.stopping.signal.aborted) {
      try {
        await api.register(
          {
            name,
            host: machine.host,
            backend: this.runtime?.backend ?? this.options.backend,
            adapter: this.runtime?.adapter ?? null,
            cores: machine.cores,
            gpu: machine.gpu,
            datasets: machine.datasets,
            concurrency,
          },
          leaseSeconds,
        );
        if (!registered) this.log.info({ url: api.url, name, host: machine.host, concurrency, datasets: machine.datasets, gpu: machine.gpu }, 'worker registered');
        registered = true;
      } catch (error) {
        this.failedCall(error, 'registration');
        if (!isTransient(error)) return this.giveUp(error);
      }
      await sleep((leaseSeconds * 1000) / 3, this.stopping.signal);
    }
  }

  /** A refusal that retrying will not cure: the worker stops and `run` rejects with it. */
  private giveUp(error: unknown): void {
    this.fatal ??= error;
    this.log.error({ err: error }, 'the service refused this worker; stopping');
    this.stop(0);
  }

  private failedCall(error: unknown, what: string, fields: object = {}): void {
    const transient = isTransient(error);
    this.options.metrics.apiError(transient);
    this.log[transient ? 'warn' : 'error']({ ...fields, err: error }, `${what} failed${transient ? '; retrying' : ''}`);
  }

  private async slot(): Promise<void> {
    const { api, name, leaseSeconds, idleMs, maxIdleMs } = this.options;
    let idle = idleMs;
    while (!this.stopping.signal.aborted) {
      this.disposeIdleEvaluators();
      let trial: ClaimedTrial | null = null;
      try {
        trial = await api.claim(
          name,
          { experimentIds: this.options.experimentIds, projects: this.options.projects, exceptExperimentIds: [...this.unservable], evaluatorTypes: workerEvaluatorTypes() },
          leaseSeconds,
        );
      } catch (error) {
        this.failedCall(error, 'claim');
        if (!isTransient(error)) return this.giveUp(error);
      }
      if (trial === null) {
        await sleep(idle, this.stopping.signal);
        idle = Math.min(idle * 2, maxIdleMs);
        continue;
      }
      idle = idleMs;
      await this.evaluate(trial);
    }
  }

  private async evaluate(trial: ClaimedTrial): Promise<void> {
    const started = performance.now();
    const log = this.log.child({ experimentId: trial.experimentId, trialId: trial.id, sequence: trial.sequence, attempt: trial.attempt });
    log.info({ label: trial.label }, 'trial claimed');
    this.options.metrics.started();
    const controller = new AbortController();
    this.inHand.set(trial.id, { trial, controller });
    // Stopped, past the grace, before the claim came back: hand it straight back.
    if (this.abandoned.signal.aborted) controller.abort('handed back' satisfies StopReason);
    let outcome: TrialOutcome;
    let samples: number | undefined;
    const heartbeat = setInterval(() => this.beat(trial, controller, log), (this.options.leaseSeconds * 1000) / 3);
    try {
      const evaluator = this.evaluatorFor(trial);
      if (typeof evaluator === 'string') {
        this.unservable.add(trial.experimentId);
        outcome = await this.fail(trial, `worker ${this.options.name} on ${this.options.machine.host} cannot evaluate it: ${evaluator}`, true, log);
      } else {
        const result = await this.train(evaluator, trial, controller, log);
        samples = result.metrics.samples_per_second;
        this.runtime = result.runtime ?? this.runtime;
        if (result.runtime) this.options.metrics.trainsOn(result.runtime.backend, result.runtime.adapter);
        outcome = controller.signal.aborted ? await this.afterStop(trial, controller, log) : await this.complete(trial, result, log);
      }
    } catch (error) {
      if (controller.signal.aborted) outcome = await this.afterStop(trial, controller, log);
      else {
        // As in the service's pool: an evaluation is deterministic, so its failure would
        // repeat; only errors that say otherwise (a crashed thread, a lost GPU) are retried.
        const retryable = typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
        outcome = await this.fail(trial, error instanceof Error ? error.message : String(error), retryable, log);
      }
    } finally {
      clearInterval(heartbeat);
      this.inHand.delete(trial.id);
    }
    this.outcomes[outcome] += 1;
    this.options.metrics.ended(outcome, (performance.now() - started) / 1000, samples);
  }

  /** The experiment's evaluator, built once per experiment; a string says what this machine lacks for it. */
  private evaluatorFor(trial: ClaimedTrial): Evaluator | string {
    const cached = this.evaluators.get(trial.experimentId);
    if (cached) {
      cached.lastUsed = Date.now();
      return cached.evaluator;
    }
    const { evaluator: spec, constraints } = trial.evaluation;
    const missing = missingOnThisMachine(spec);
    if (missing !== null) return missing;
    // The pool trains as many trials at once as this worker holds, whatever the
    // experiment asked of the service's pool.
    const options = spec.type === 'tfjs-trainer' ? { ...spec.options, workers: this.options.concurrency } : spec.options;
    const evaluator = buildEvaluator({ type: spec.type, options }, constraints);
    if (evaluator === null) return `its evaluator (${spec.type}) is no code of graphnas: an ask/tell client of yours evaluates it`;
    this.evaluators.set(trial.experimentId, { evaluator, lastUsed: Date.now() });
    return evaluator;
  }

  /**
   * An ended experiment's evaluator holds training threads and a copy of its dataset;
   * one unused this long is let go (a later trial of it builds it again).
   */
  private disposeIdleEvaluators(): void {
    const cutoff = Date.now() - EVALUATOR_IDLE_MS;
    for (const [experimentId, held] of this.evaluators) {
      if (held.lastUsed >= cutoff || [...this.inHand.values()].some((h) => h.trial.experimentId === experimentId)) continue;
      this.evaluators.delete(experimentId);
      void held.evaluator.dispose().catch((error: unknown) => this.log.warn({ err: error, experimentId }, 'evaluator dispose failed'));
    }
  }

  private async train(evaluator: Evaluator, trial: ClaimedTrial, controller: AbortController, log: Logger): Promise<EvaluationResult> {
    const { api, name } = this.options;
    // Reports are chained so that the learning curve is stored in order; one lost to the
    // network is not worth the trial, only a refusal stops it.
    let reports: Promise<void> = Promise.resolve();
    const request: EvaluationRequest = {
      trialId: trial.id,
      architecture: trial.architecture,
      actions: trial.actions,
      label: trial.label,
      seed: trial.evaluation.seed,
      dataSeed: trial.evaluation.dataSeed,
      signal: controller.signal,
      report: (point) => {
        reports = reports.then(() =>
          api.report(trial.id, name, point.step, point.name, point.value).then(
            (stop) => {
              if (stop) controller.abort('stopped by the service' satisfies StopReason);
            },
            (error: unknown) => {
              if (isLeaseLost(error)) controller.abort('lease lost' satisfies StopReason);
              else this.failedCall(error, 'metric report', { trialId: trial.id, step: point.step });
            },
          ),
        );
      },
    };
    const result = await evaluator.evaluate(request);
    await reports;
    log.info({ reward: result.reward, backend: result.runtime?.backend, adapter: result.runtime?.adapter }, 'trial evaluated');
    return result;
  }

  private beat(trial: ClaimedTrial, controller: AbortController, log: Logger): void {
    // A beat sent just before the completion went out may answer after it (SUCCEEDED, or
    // refused): that is this worker's own doing, not the service stopping the trial.
    const stale = (): boolean => this.inHand.get(trial.id)?.controller !== controller;
    this.options.api.heartbeat(trial.id, this.options.name, this.options.leaseSeconds).then(
      (status) => {
        if (stale()) return;
        if (status !== 'RUNNING') {
          log.info({ status }, 'the service stopped the trial');
          controller.abort('stopped by the service' satisfies StopReason);
        }
      },
      (error: unknown) => {
        // A beat lost to the network is no reason to stop: the next may get through
        // before the lease runs out. A refusal means the trial is someone else's now.
        if (stale()) return;
        if (isLeaseLost(error)) controller.abort('lease lost' satisfies StopReason);
        else this.failedCall(error, 'heartbeat', { trialId: trial.id });
      },
    );
  }

  /** The trial after an abort: handed back to the queue when we stopped, left alone when the service did. */
  private async afterStop(trial: ClaimedTrial, controller: AbortController, log: Logger): Promise<TrialOutcome> {
    const reason = controller.signal.reason as StopReason;
    if (reason === 'handed back') {
      await this.fail(trial, `worker ${this.options.name} stopped and handed the trial back`, true, log);
      return 'handed_back';
    }
    log.info({ reason }, 'trial dropped');
    return reason === 'lease lost' ? 'lease_lost' : 'stopped';
  }

  private async complete(trial: ClaimedTrial, result: EvaluationResult, log: Logger): Promise<TrialOutcome> {
    const metrics: Record<string, number> = { ...result.metrics, reward: result.reward };
    for (const [key, value] of [['params', result.params], ['flops', result.flops], ['latencyMs', result.latencyMs]] as const) if (value !== undefined) metrics[key] = value;
    for (const [key, value] of Object.entries(metrics)) if (!Number.isFinite(value)) delete metrics[key];
    // One key per attempt: a resend of this completion is recognised, a later attempt's is not.
    const key = `${trial.id}:${trial.attempt}:${this.options.name}`;
    const runtime = result.runtime ? { backend: result.runtime.backend, adapter: result.runtime.adapter } : null;
    try {
      const stored = await this.persist(() => this.options.api.complete(trial.id, this.options.name, metrics, runtime, key), 'completion', trial);
      if (stored === null) {
        log.warn('the completion never got through before the worker stopped; the lease runs out and the trial goes to another worker');
        return 'abandoned';
      }
      log.info({ status: stored.status, reward: stored.reward }, 'trial completed');
      return 'completed';
    } catch (error) {
      if (!isLeaseLost(error)) throw error;
      log.info({ err: error }, 'completion refused: the lease was lost, the result is dropped');
      return 'lease_lost';
    }
  }

  private async fail(trial: ClaimedTrial, message: string, retryable: boolean, log: Logger): Promise<TrialOutcome> {
    try {
      const status = await this.persist(() => this.options.api.fail(trial.id, this.options.name, message, retryable), 'failure report', trial);
      if (status === null) log.warn({ error: message }, 'the failure report never got through before the worker stopped; the lease runs out instead');
      else log.info({ status, error: message, retryable }, 'trial failed');
    } catch (error) {
      if (!isLeaseLost(error)) log.warn({ err: error }, 'could not report the failure; the lease runs out instead');
    }
    return 'failed';
  }

  /**
   * Sends a final report until it is answered or refused, backing off while the service
   * is unreachable (each call has its own timeout). Once a stop's grace is over it lets
   * the report go (null): the lease runs out, and the trial goes to another worker.
   */
  private async persist<T>(call: () => Promise<T>, what: string, trial: ClaimedTrial): Promise<T | null> {
    for (let wait = this.options.idleMs; ; wait = Math.min(wait * 2, this.options.maxIdleMs)) {
      try {
        return await call();
      } catch (error) {
        if (!isTransient(error)) throw error;
        this.failedCall(error, what, { trialId: trial.id });
      }
      if (this.abandoned.signal.aborted) return null;
      await sleep(wait, this.abandoned.signal);
    }
  }
}

/** See FleetWorker.disposeIdleEvaluators. */
const EVALUATOR_IDLE_MS = 5 * 60_000;

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
