import type { Config } from '../config.js';
import { Topic, type DomainEvent } from '../core/events/topics.js';
import { isExperimentFinished, type ExperimentStatus } from '../core/experiments/experiment-status.js';
import type { Services } from '../core/services.js';
import { pageRequest, type Page } from '../core/storage/pagination.js';
import type { ExperimentRecord, TrialRecord } from '../core/storage/records.js';
import type { TrialOrder } from '../core/storage/storage.js';
import { allTrials, sum } from '../core/trials/tally.js';
import type { TrialStatus } from '../core/trials/trial-status.js';
import type { Database } from '../db/database.js';
import { openOwnedStore } from './owned-store.js';
import type { Logger } from '../logger.js';
import { openServices } from '../open-services.js';
import type {
  ExperimentDetail,
  ExperimentQuery,
  ExperimentRow,
  InspectBackend,
  PageView,
  ProgressView,
  TrialCountsView,
  TrialQuery,
  TrialView,
  WatchEnd,
  WatchEvent,
  WatchStart,
} from './views.js';

/**
 * The inspection commands on the store itself: the embedded ./data when no server holds
 * it (its lock says so, and who does), or DATABASE_URL. Nothing runs here: no scheduler,
 * so a RUNNING experiment on an embedded store stands still until a server opens it.
 */

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export function trialView(t: TrialRecord): TrialView {
  return {
    id: t.id,
    sequence: t.sequence,
    status: t.status,
    reward: t.reward,
    label: t.label,
    duplicateOfId: t.duplicateOfId,
    error: t.error,
    finalMetrics: t.finalMetrics,
    runtime: t.runtime === null ? null : { backend: t.runtime.backend, adapter: t.runtime.adapter },
    params: t.params,
    flops: t.flops,
    latencyMs: t.latencyMs,
    attempt: t.attempt,
    workerId: t.workerId,
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
  };
}

function pageView<T, V>(page: Page<T>, view: (node: T) => V): PageView<V> {
  return { totalCount: page.totalCount, hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null, items: page.items.map((i) => view(i.node)) };
}

function eventView(e: DomainEvent): WatchEvent | null {
  switch (e.topic) {
    case Topic.ExperimentUpdated:
      return { eventId: e.id, topic: 'experiment', experiment: { id: e.payload.id, status: e.payload.status, endReason: e.payload.endReason } };
    case Topic.TrialUpdated:
      return { eventId: e.id, topic: 'trial', trial: trialView(e.payload) };
    case Topic.TrialMetricReported:
      return { eventId: e.id, topic: 'metric', metric: { trialId: e.payload.trialId, step: e.payload.step, name: e.payload.name, value: e.payload.value } };
    case Topic.PolicyUpdated:
      return {
        eventId: e.id,
        topic: 'policy',
        policy: { step: e.payload.step, baseline: e.payload.stats.baseline, meanReward: e.payload.stats.meanReward, entropy: e.payload.stats.entropy, observedTrials: e.payload.observedTrialIds.length },
      };
    default:
      // Topics the watch does not show (a finalization's, say).
      return null;
  }
}

const WATCHED: ReadonlySet<Topic> = new Set([Topic.ExperimentUpdated, Topic.TrialUpdated, Topic.TrialMetricReported, Topic.PolicyUpdated]);
const LOG_BATCH = 500;

class StoreBackend implements InspectBackend {
  constructor(
    private readonly database: Database,
    private readonly services: Services,
  ) {}

  private async counts(experiment: ExperimentRecord): Promise<TrialCountsView> {
    const tally = await this.services.experiments.tally(experiment.id);
    const c = allTrials(tally);
    return { pending: c.PENDING, running: c.RUNNING, succeeded: c.SUCCEEDED, failed: c.FAILED, pruned: c.PRUNED, cancelled: c.CANCELLED, total: sum(c), duplicates: sum(tally.duplicates) };
  }

  private async progress(experiment: ExperimentRecord): Promise<ProgressView> {
    const p = await this.services.experiments.progress(experiment);
    return { finishedEvaluations: p.finishedEvaluations, maxTrials: p.maxTrials, fraction: p.fraction, elapsedSeconds: p.elapsedSeconds, etaSeconds: p.etaSeconds };
  }

  private async row(e: ExperimentRecord): Promise<ExperimentRow> {
    const best = await this.services.experiments.bestTrial(e);
    return {
      id: e.id,
      name: e.name,
      project: e.project,
      status: e.status,
      endReason: e.endReason,
      strategy: { type: e.strategy.type },
      evaluator: { type: e.evaluator.type },
      createdAt: e.createdAt.toISOString(),
      startedAt: iso(e.startedAt),
      finishedAt: iso(e.finishedAt),
      progress: await this.progress(e),
      trialCounts: await this.counts(e),
      bestTrial: best === null ? null : { sequence: best.sequence, reward: best.reward, label: best.label },
    };
  }

  async listExperiments(query: ExperimentQuery): Promise<PageView<ExperimentRow>> {
    const page = await this.services.experiments.list(
      { statuses: query.statuses as ExperimentStatus[] | null, nameContains: query.nameContains },
      pageRequest(query.first, query.after),
      null,
    );
    const rows: ExperimentRow[] = [];
    // One at a time: the embedded database answers one statement at a time anyway.
    for (const item of page.items) rows.push(await this.row(item.node));
    return { totalCount: page.totalCount, hasNextPage: page.hasNextPage, endCursor: page.items.at(-1)?.cursor ?? null, items: rows };
  }

  async experiment(id: string, top: number): Promise<ExperimentDetail> {
    const e = await this.services.experiments.get(id, null);
    const space = await this.services.searchSpaces.get(e.searchSpaceId, null);
    const best = await this.services.experiments.bestTrial(e);
    return {
      id: e.id,
      name: e.name,
      project: e.project,
      description: e.description,
      status: e.status,
      endReason: e.endReason,
      seed: e.seed,
      strategy: { type: e.strategy.type, hyperparameters: e.strategy.hyperparameters },
      evaluator: { type: e.evaluator.type, options: e.evaluator.options },
      objective: { metric: e.objective.metric, direction: e.objective.direction, goal: e.objective.goal },
      budget: { maxTrials: e.budget.maxTrials, parallelTrials: e.budget.parallelTrials, maxFailedTrials: e.budget.maxFailedTrials, maxDurationSeconds: e.budget.maxDurationSeconds },
      earlyStopping: e.earlyStopping === null ? null : { type: e.earlyStopping.type, metric: e.earlyStopping.metric },
      // The API's SpaceKind enum goes by its names (CELL), the record by its values (cell).
      searchSpace: { id: space.id, name: space.name, kind: space.kind.toUpperCase(), cardinality: space.cardinality },
      createdAt: e.createdAt.toISOString(),
      startedAt: iso(e.startedAt),
      finishedAt: iso(e.finishedAt),
      progress: await this.progress(e),
      trialCounts: await this.counts(e),
      bestTrial: best === null ? null : { ...trialView(best), architecture: best.architecture },
      leaderboard: (await this.services.experiments.leaderboard(e, top)).map(trialView),
      eventId: await this.services.storage.events.lastId(e.id),
    };
  }

  async trials(experimentId: string, query: TrialQuery): Promise<PageView<TrialView>> {
    await this.services.experiments.get(experimentId, null);
    const page = await this.services.trials.list(
      experimentId,
      { statuses: query.statuses as TrialStatus[] | null, duplicates: query.duplicates },
      query.order as TrialOrder,
      pageRequest(query.first, query.after),
    );
    return pageView(page, trialView);
  }

  async watch(start: WatchStart, after: number, onEvent: (event: WatchEvent) => void): Promise<WatchEnd> {
    let cursor = after;
    const deliver = (e: DomainEvent): void => {
      cursor = e.id;
      const view = WATCHED.has(e.topic) ? eventView(e) : null;
      if (view) onEvent(view);
    };
    // Only a PostgreSQL store has anyone else writing to it: a replica that runs the experiment.
    if (this.database.mode === 'server' && !start.finished) {
      const events = await this.services.feed.subscribe(start.id, { topics: WATCHED, after });
      try {
        for await (const e of events) {
          deliver(e);
          if (e.topic === Topic.ExperimentUpdated && isExperimentFinished(e.payload.status)) break;
        }
      } finally {
        await events.return?.();
      }
    }
    // The rest of the log: a finished experiment's history, and what its last commit emitted after the end.
    for (;;) {
      const batch = await this.services.storage.events.listAfter(start.id, cursor, LOG_BATCH);
      for (const e of batch) deliver(e);
      if (batch.length < LOG_BATCH) break;
    }
    const final = await this.services.experiments.get(start.id, null);
    const note = isExperimentFinished(final.status)
      ? null
      : `experiment ${final.id} is ${final.status} but no process runs it: nobody holds this store (graphnas serve on it resumes the search; then watch it with --url)`;
    return { status: final.status, endReason: final.endReason, note, cursor };
  }

  async close(): Promise<void> {
    this.services.feed.close();
    await this.services.events.close();
    await this.database.close();
  }
}

/**
 * Opens the store for `command`; when a server holds it, says so and how to ask that
 * server instead, as `run` and `keys` do.
 */
export async function openStoreBackend(command: string, config: Config, logger: Logger): Promise<InspectBackend> {
  const database = await openOwnedStore(config, logger, 2, (url) => `Ask it instead: graphnas ${command} --url ${url}`);
  try {
    await database.migrate();
    return new StoreBackend(database, await openServices(database, { ...config, scheduler: false }, logger));
  } catch (error) {
    await database.close();
    throw error;
  }
}
