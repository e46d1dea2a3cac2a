import type {
  ExperimentDetail,
  ExperimentQuery,
  ExperimentRow,
  InspectBackend,
  PageView,
  TrialQuery,
  TrialView,
  WatchEnd,
  WatchEvent,
  WatchStart,
} from '../commands/views.js';
import { isExperimentFinished, type ExperimentStatus } from '../core/experiments/experiment-status.js';
import { RemoteServiceError, request, type RemoteService } from './client.js';
import { ExperimentFollower, type StreamPayload } from './follow.js';

/**
 * The inspection commands through a running service: GraphQL over HTTP for the reads,
 * graphql-ws subscriptions for `watch`. The selections are the views' fields, so an
 * answer is printed with `--json` as it comes.
 */

export const TRIAL_FIELDS = 'id sequence status reward label duplicateOfId error finalMetrics runtime { backend adapter } params flops latencyMs attempt workerId startedAt finishedAt';
const PROGRESS = 'progress { finishedEvaluations maxTrials fraction elapsedSeconds etaSeconds }';
const COUNTS = 'trialCounts { pending running succeeded failed pruned cancelled total duplicates }';
const ROW_FIELDS = `id name project status endReason strategy { type } evaluator { type } createdAt startedAt finishedAt ${PROGRESS} ${COUNTS} bestTrial { sequence reward label }`;
const DETAIL_FIELDS = `id name project description status endReason seed strategy { type hyperparameters } evaluator { type options }
  objective { metric direction goal } budget { maxTrials parallelTrials maxFailedTrials maxDurationSeconds } earlyStopping { type metric }
  searchSpace { id name kind cardinality } createdAt startedAt finishedAt ${PROGRESS} ${COUNTS}
  bestTrial { ${TRIAL_FIELDS} architecture } leaderboard(top: $top) { ${TRIAL_FIELDS} } eventId`;

interface Connection<T> {
  readonly totalCount: number;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly edges: readonly { readonly node: T }[];
}

function pageView<T>(c: Connection<T>): PageView<T> {
  return { totalCount: c.totalCount, hasNextPage: c.pageInfo.hasNextPage, endCursor: c.pageInfo.endCursor, items: c.edges.map((e) => e.node) };
}

function notFound(service: RemoteService, id: string): RemoteServiceError {
  return new RemoteServiceError(`${service.url} has no experiment ${id} (or this key may not see it)`, 'NOT_FOUND');
}

/**
 * The subscriptions are separate streams: after the experiment's end arrived on its own,
 * the others may still be delivering (the same commit's events, or a replay of a long
 * history). Once nothing came for this long, they are through.
 */
const END_QUIET_MS = 1_000;
/** A finished experiment's history is only replayed; once nothing more came for this long, it is all there. */
const REPLAY_QUIET_MS = 2_000;

export class ApiInspectBackend implements InspectBackend {
  constructor(
    private readonly service: RemoteService,
    /** Told about dropped and restored connections while watching. */
    private readonly notice: (text: string) => void = () => undefined,
  ) {}

  async listExperiments(query: ExperimentQuery): Promise<PageView<ExperimentRow>> {
    const data = await request<{ experiments: Connection<ExperimentRow> }>(
      this.service,
      'experiments',
      `query Experiments($first: Int, $after: String, $status: [ExperimentStatus!], $name: String) {
        experiments(first: $first, after: $after, status: $status, nameContains: $name) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${ROW_FIELDS} } } }
      }`,
      { first: query.first, after: query.after, status: query.statuses, name: query.nameContains },
    );
    return pageView(data.experiments);
  }

  async experiment(id: string, top: number): Promise<ExperimentDetail> {
    const data = await request<{ experiment: ExperimentDetail | null }>(
      this.service,
      'experiment',
      `query Experiment($id: ID!, $top: Int!) { experiment(id: $id) { ${DETAIL_FIELDS} } }`,
      { id, top },
    );
    if (data.experiment === null) throw notFound(this.service, id);
    return data.experiment;
  }

  async trials(experimentId: string, query: TrialQuery): Promise<PageView<TrialView>> {
    const data = await request<{ experiment: { trials: Connection<TrialView> } | null }>(
      this.service,
      'trials',
      `query Trials($id: ID!, $first: Int, $after: String, $status: [TrialStatus!], $order: TrialOrder!, $duplicates: DuplicateFilter!) {
        experiment(id: $id) { trials(first: $first, after: $after, status: $status, orderBy: $order, duplicates: $duplicates) {
          totalCount pageInfo { hasNextPage endCursor } edges { node { ${TRIAL_FIELDS} } }
        } }
      }`,
      { id: experimentId, first: query.first, after: query.after, status: query.statuses, order: query.order, duplicates: query.duplicates },
    );
    if (data.experiment === null) throw notFound(this.service, experimentId);
    return pageView(data.experiment.trials);
  }

  async watch(start: WatchStart, after: number, onEvent: (event: WatchEvent) => void): Promise<WatchEnd> {
    if (start.finished && after >= start.eventId) return { status: start.status, endReason: start.endReason, note: null, cursor: after };
    let end: { status: string; endReason: string | null } | null = start.finished ? { status: start.status, endReason: start.endReason } : null;
    let reached!: () => void;
    const finished = new Promise<void>((resolve) => (reached = resolve));
    let last = after;
    const deliver = (event: WatchEvent): void => {
      last = Math.max(last, event.eventId);
      onEvent(event);
    };
    // The payloads are the selections below, as the views declare them.
    const follower = new ExperimentFollower(
      this.service,
      start.id,
      [
        {
          field: 'experimentUpdated',
          selection: 'id status endReason',
          onEvent: (p: StreamPayload) => {
            const experiment = p as unknown as { id: string; status: string; endReason: string | null };
            deliver({ eventId: p.eventId, topic: 'experiment', experiment: { id: experiment.id, status: experiment.status, endReason: experiment.endReason } });
            if (isExperimentFinished(experiment.status as ExperimentStatus)) {
              end = { status: experiment.status, endReason: experiment.endReason };
              reached();
            }
          },
        },
        { field: 'trialUpdated', selection: TRIAL_FIELDS, onEvent: (p) => deliver({ eventId: p.eventId, topic: 'trial', trial: strip(p) as unknown as TrialView }) },
        {
          field: 'trialMetricReported',
          selection: 'trialId step name value',
          onEvent: (p) => deliver({ eventId: p.eventId, topic: 'metric', metric: strip(p) as unknown as WatchEventMetric }),
        },
        {
          field: 'policyUpdated',
          selection: 'step baseline meanReward entropy observedTrials',
          onEvent: (p) => deliver({ eventId: p.eventId, topic: 'policy', policy: strip(p) as unknown as WatchEventPolicy }),
        },
      ],
      {
        after,
        onDrop: (reason) => this.notice(`lost the connection to ${this.service.url} (${reason}); reconnecting`),
        onResume: () => this.notice(`reconnected to ${this.service.url}; resuming after event ${follower.cursor()}`),
      },
    );
    try {
      await follower.start();
      if (!start.finished) await Promise.race([finished, follower.ended]);
      await Promise.race([follower.drain(start.finished ? REPLAY_QUIET_MS : END_QUIET_MS, Number.POSITIVE_INFINITY), follower.ended]);
    } finally {
      await follower.stop();
    }
    await follower.ended;
    const final = end ?? { status: start.status, endReason: start.endReason };
    // Once the end is in and the streams are drained, every event up to the last one
    // delivered has arrived; before that, a stream with nothing yet holds the cursor back.
    return { status: final.status, endReason: final.endReason, note: null, cursor: end === null ? follower.cursor() : last };
  }

  async close(): Promise<void> {}
}

type WatchEventMetric = Extract<WatchEvent, { topic: 'metric' }>['metric'];
type WatchEventPolicy = Extract<WatchEvent, { topic: 'policy' }>['policy'];

/** The payload without its `eventId`, which the watch event carries once, at its top. */
function strip(payload: StreamPayload): Record<string, unknown> {
  const { eventId: _eventId, ...rest } = payload;
  return rest;
}
