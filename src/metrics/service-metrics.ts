import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommitListener, EventBus } from '../core/events/event-bus.js';
import { Topic, type DomainEvent } from '../core/events/topics.js';
import type { EventFeed } from '../core/events/event-feed.js';
import { ExperimentStatus } from '../core/experiments/experiment-status.js';
import type { SchedulerInstruments } from '../core/scheduler/scheduler-instruments.js';
import type { TrialRecord } from '../core/storage/records.js';
import type { Storage } from '../core/storage/storage.js';
import { allTrials } from '../core/trials/tally.js';
import { TrialStatus, isTrialFinished } from '../core/trials/trial-status.js';
import { workersMayClaim } from '../evaluation/placement.js';
import type { OperationObserver } from '../graphql/transport/observe.js';

/** Seconds from a tiny proxy's few to a full training's hour. */
const TRIAL_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];
/** Seconds: API operations and scheduler passes take milliseconds, and must be seen when they do not. */
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/**
 * Operation names are the clients' to choose: past this many distinct ones a replica
 * counts the rest as `other`, so neither its memory nor Prometheus grows without bound.
 */
const MAX_OPERATION_NAMES = 500;

export interface MetricSources {
  readonly storage: Storage;
  readonly feed: EventFeed;
  readonly events: EventBus;
  readonly pool: () => { readonly total: number; readonly idle: number; readonly waiting: number };
  readonly websocketConnections: () => number;
}

/**
 * The service's Prometheus metrics, served at /metrics (src/http/metrics.ts).
 *
 * Counters count what this replica did: trial moves are read from the events of the
 * transactions it committed (the outbox hands them to `committedBy` after COMMIT), so a
 * move counts once in the sum over replicas even though every replica receives every
 * event. Gauges read the shared state when scraped, so every replica reports the same
 * value for them: aggregate those with max, not sum (the KEDA and HPA examples in
 * deploy/kubernetes/ do).
 */
export class ServiceMetrics implements SchedulerInstruments, OperationObserver {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private sources: MetricSources | null = null;
  private unsubscribe: (() => void) | null = null;
  /** One read of the live experiments' tallies per scrape, shared by the gauges that need it. */
  private scrape: { at: number; value: Promise<{ perExperiment: Map<string, Record<string, number>>; forWorkers: number }> } | null = null;

  private readonly trialsFinished = new Counter({
    name: 'graphnas_trials_finished_total',
    help: 'Trials this replica moved to a final status, by status (evaluations only: answered duplicates are not counted).',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly trialSeconds = new Histogram({
    name: 'graphnas_trial_duration_seconds',
    help: 'From a trial start to its final status, by who evaluated it (service: this service’s pool; worker: a remote worker).',
    labelNames: ['by'],
    buckets: TRIAL_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueSeconds = new Histogram({
    name: 'graphnas_trial_queue_wait_seconds',
    help: 'From a trial’s proposal to its first start, by who claimed it.',
    labelNames: ['by'],
    buckets: TRIAL_BUCKETS,
    registers: [this.registry],
  });
  private readonly claims = new Counter({ name: 'graphnas_trial_claims_total', help: 'Trials started under a lease, by who claimed them.', labelNames: ['by'], registers: [this.registry] });
  private readonly expiries = new Counter({ name: 'graphnas_trial_lease_expiries_total', help: 'Running trials whose lease ran out, reclaimed by this replica’s scheduler.', registers: [this.registry] });
  private readonly passSeconds = new Histogram({ name: 'graphnas_scheduler_pass_seconds', help: 'One scheduler pass (snapshot, plan, apply, dispatch).', buckets: FAST_BUCKETS, registers: [this.registry] });
  private readonly passLag = new Histogram({
    name: 'graphnas_scheduler_lag_seconds',
    help: 'From the cue for a pass (an event, a settled evaluation) to the pass beginning.',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly strategySeconds = new Histogram({
    name: 'graphnas_controller_update_seconds',
    help: 'The strategy’s share of a pass: learning from finished trials (the REINFORCE update) and proposing.',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: 'graphnas_graphql_operations_total',
    help: 'GraphQL operations, by transport, type, name (or root fields when anonymous) and outcome (OK or the first error code).',
    labelNames: ['transport', 'type', 'operation', 'outcome'],
    registers: [this.registry],
  });
  private readonly operationSeconds = new Histogram({
    name: 'graphnas_graphql_operation_seconds',
    help: 'Queries and mutations, from admission to the answer.',
    labelNames: ['transport', 'type', 'operation'],
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly busLag = new Histogram({
    name: 'graphnas_event_bus_lag_seconds',
    help: 'From a change’s timestamp to its event reaching this replica’s subscribers.',
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'graphnas_' });
    // The gauges read shared state when scraped; `collect` runs in the gauge's own scope.
    const trials: Gauge = new Gauge({
      name: 'graphnas_trials',
      help: 'Trials of live (RUNNING or PAUSED) experiments, by experiment and status, answered duplicates included. Shared state: aggregate with max.',
      labelNames: ['experiment', 'status'],
      registers: [this.registry],
      collect: async () => {
        trials.reset();
        for (const [experiment, counts] of (await this.liveTrials()).perExperiment) for (const [status, n] of Object.entries(counts)) trials.set({ experiment, status }, n);
      },
    });
    const queue: Gauge = new Gauge({
      name: 'graphnas_worker_queue_trials',
      help: 'PENDING trials that workers may claim (RUNNING experiments with placement workers or any): what worker autoscaling follows. Shared state: aggregate with max.',
      registers: [this.registry],
      collect: async () => queue.set((await this.liveTrials()).forWorkers),
    });
    const workers: Gauge = new Gauge({
      name: 'graphnas_workers',
      help: 'Registered workers whose registration has not expired. Shared state: aggregate with max.',
      registers: [this.registry],
      collect: async () => {
        if (this.sources) workers.set((await this.sources.storage.workers.list({ aliveAt: new Date() }, { first: 1, after: null })).totalCount);
      },
    });
    const sockets: Gauge = new Gauge({
      name: 'graphnas_websocket_connections',
      help: 'Open graphql-ws connections on this replica.',
      registers: [this.registry],
      collect: () => {
        if (this.sources) sockets.set(this.sources.websocketConnections());
      },
    });
    const subscriptions: Gauge = new Gauge({
      name: 'graphnas_subscriptions',
      help: 'Active subscriptions on this replica.',
      registers: [this.registry],
      collect: () => {
        if (this.sources) subscriptions.set(this.sources.feed.stats().subscribers);
      },
    });
    const buffered: Gauge = new Gauge({
      name: 'graphnas_subscription_buffered_events',
      help: 'Events queued for subscribers on this replica, not yet sent.',
      registers: [this.registry],
      collect: () => {
        if (this.sources) buffered.set(this.sources.feed.stats().buffered);
      },
    });
    const pool: Gauge = new Gauge({
      name: 'graphnas_db_pool_connections',
      help: 'The database pool’s connections: total open, idle, and requests waiting for one.',
      labelNames: ['state'],
      registers: [this.registry],
      collect: () => {
        if (!this.sources) return;
        const { total, idle, waiting } = this.sources.pool();
        pool.set({ state: 'total' }, total);
        pool.set({ state: 'idle' }, idle);
        pool.set({ state: 'waiting' }, waiting);
      },
    });
  }

  /** Starts reading what the gauges report and what the bus delivers. */
  watch(sources: MetricSources): void {
    this.sources = sources;
    this.unsubscribe = sources.events.onEvent((e) => this.delivered(e));
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** The outbox's listener with this replica's commits counted on the way (see the class comment). */
  committedBy(next: CommitListener): CommitListener {
    return {
      committed: (events) => {
        for (const e of events) if (e.topic === Topic.TrialUpdated) this.trialMoved(e.payload);
        next.committed(events);
      },
    };
  }

  passed(seconds: number, lagSeconds: number): void {
    this.passSeconds.observe(seconds);
    this.passLag.observe(lagSeconds);
  }

  strategyRan(seconds: number): void {
    this.strategySeconds.observe(seconds);
  }

  leasesExpired(count: number): void {
    if (count > 0) this.expiries.inc(count);
  }

  operation(transport: 'http' | 'websocket', type: string, name: string): (errorCodes: readonly string[]) => void {
    const started = performance.now();
    const operation = this.operationLabel(name);
    return (errorCodes) => {
      this.operations.inc({ transport, type, operation, outcome: errorCodes[0] ?? 'OK' });
      // A subscription's time is how long someone watched, not how fast we answered.
      if (type !== 'subscription') this.operationSeconds.observe({ transport, type, operation }, (performance.now() - started) / 1000);
    };
  }

  private operationLabel(name: string): string {
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  private trialMoved(trial: TrialRecord): void {
    if (trial.duplicateOfId !== null) return;
    const by = trial.workerId?.startsWith('inproc:') ? 'service' : 'worker';
    if (trial.status === TrialStatus.RUNNING && trial.startedAt !== null) {
      this.claims.inc({ by });
      // Later attempts restart from the queue at a time no row keeps; the first is measured exactly.
      if (trial.attempt === 1) this.queueSeconds.observe({ by }, seconds(trial.startedAt, trial.createdAt));
    } else if (isTrialFinished(trial.status)) {
      this.trialsFinished.inc({ status: trial.status });
      if (trial.startedAt !== null && trial.finishedAt !== null) this.trialSeconds.observe({ by }, seconds(trial.finishedAt, trial.startedAt));
    }
  }

  private delivered(e: DomainEvent): void {
    const at = e.topic === Topic.TrialUpdated || e.topic === Topic.ExperimentUpdated ? e.payload.updatedAt : e.payload.createdAt;
    this.busLag.observe(Math.max(0, seconds(new Date(), at)));
  }

  private liveTrials(): Promise<{ perExperiment: Map<string, Record<string, number>>; forWorkers: number }> {
    const now = Date.now();
    // Gauges are collected one after another within a scrape; a second apart is another scrape.
    if (this.scrape === null || now - this.scrape.at > 1000) this.scrape = { at: now, value: this.readLiveTrials() };
    return this.scrape.value;
  }

  private async readLiveTrials(): Promise<{ perExperiment: Map<string, Record<string, number>>; forWorkers: number }> {
    const perExperiment = new Map<string, Record<string, number>>();
    let forWorkers = 0;
    if (this.sources === null) return { perExperiment, forWorkers };
    const { storage } = this.sources;
    for (const id of await storage.experiments.listIdsByStatus([ExperimentStatus.RUNNING, ExperimentStatus.PAUSED])) {
      const [experiment, tally] = await Promise.all([storage.experiments.findById(id), storage.trials.tally(id)]);
      if (experiment === null) continue;
      perExperiment.set(id, allTrials(tally));
      if (experiment.status === ExperimentStatus.RUNNING && workersMayClaim(experiment.evaluator)) forWorkers += tally.evaluations.PENDING;
    }
    return { perExperiment, forWorkers };
  }
}

function seconds(later: Date | string, earlier: Date | string): number {
  return (new Date(later).getTime() - new Date(earlier).getTime()) / 1000;
}
