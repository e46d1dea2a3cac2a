import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EventBus } from '../events/event-bus.js';
import type { DomainEvent } from '../events/topics.js';
import { Topic } from '../events/topics.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import { FinalizationStatus } from '../finalization/finalization-status.js';
import { FinalizationRunner } from '../finalization/finalization-runner.js';
import { TrialStage } from '../trials/trial-stage.js';
import { ExperimentRunner, type RunnerDeps } from './experiment-runner.js';

export type SchedulerDeps = Omit<RunnerDeps, 'ownerId'> & { readonly ownerId?: string; readonly events: EventBus };

/**
 * Runs one `ExperimentRunner` per RUNNING or PAUSED experiment, and one
 * `FinalizationRunner` per RUNNING finalization, that this process holds the scheduler
 * claim for. It learns of work from events (an experiment started on any
 * replica, a trial finished by any worker) and from a periodic scan that adopts
 * experiments whose scheduler died. Mutations never drive the loop directly: they change
 * the stored state, and the loop converges to it.
 */
export class Scheduler {
  private readonly runners = new Map<string, ExperimentRunner>();
  private readonly finalRunners = new Map<string, FinalizationRunner>();
  private readonly deps: RunnerDeps;
  private readonly events: EventBus;
  private unsubscribe: (() => void) | null = null;
  private scanTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(deps: SchedulerDeps) {
    const { events, ...runnerDeps } = deps;
    this.events = events;
    this.deps = { ...runnerDeps, ownerId: deps.ownerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}` };
  }

  get ownerId(): string {
    return this.deps.ownerId;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.events.onEvent((e) => this.onEvent(e));
    await this.scan();
    this.scanTimer = setInterval(() => {
      this.scan().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'scheduler scan failed'));
    }, Math.max(1000, (this.deps.options.schedulerLeaseSeconds * 1000) / 2));
    this.scanTimer.unref();
  }

  private onEvent(e: DomainEvent): void {
    if (this.stopped) return;
    if (e.topic === Topic.FinalizationUpdated) {
      if (e.payload.status === FinalizationStatus.RUNNING) this.ensureFinal(e.key);
      else this.finalRunners.get(e.key)?.wake();
      return;
    }
    if (e.topic === Topic.TrialUpdated && e.payload.stage === TrialStage.FINAL) {
      this.finalRunners.get(e.key)?.wake();
      return;
    }
    if (e.topic !== Topic.ExperimentUpdated && e.topic !== Topic.TrialUpdated) return;
    const runner = this.runners.get(e.key);
    if (runner) {
      runner.wake();
    } else if (e.topic === Topic.ExperimentUpdated && (e.payload.status === ExperimentStatus.RUNNING || e.payload.status === ExperimentStatus.PAUSED)) {
      this.ensure(e.key);
    }
  }

  /** Starts runners for every live experiment without one here; a runner that cannot claim its experiment ends by itself. */
  private async scan(): Promise<void> {
    const ids = await this.deps.storage.experiments.listIdsByStatus([ExperimentStatus.RUNNING, ExperimentStatus.PAUSED]);
    for (const id of ids) this.ensure(id);
    for (const id of await this.deps.storage.finalizations.listIdsByStatus([FinalizationStatus.RUNNING])) this.ensureFinal(id);
  }

  private ensureFinal(id: string): void {
    if (this.stopped || this.finalRunners.has(id)) return;
    const runner = new FinalizationRunner(id, this.deps);
    this.finalRunners.set(id, runner);
    void runner.done.finally(() => {
      if (this.finalRunners.get(id) === runner) this.finalRunners.delete(id);
    });
  }

  private ensure(id: string): void {
    if (this.stopped || this.runners.has(id)) return;
    const runner = new ExperimentRunner(id, this.deps);
    this.runners.set(id, runner);
    void runner.done.finally(() => {
      if (this.runners.get(id) === runner) this.runners.delete(id);
    });
  }

  /** Resolves once the experiment's runner here (if any) has ended: for tests and the CLI. */
  async idle(id: string): Promise<void> {
    await this.runners.get(id)?.done;
  }

  /** Resolves once the experiment's finalization runner here (if any) has ended. */
  async finalIdle(id: string): Promise<void> {
    await this.finalRunners.get(id)?.done;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.scanTimer) clearInterval(this.scanTimer);
    await Promise.all([...this.runners.values(), ...this.finalRunners.values()].map((r) => r.stop()));
    this.runners.clear();
    this.finalRunners.clear();
  }
}
