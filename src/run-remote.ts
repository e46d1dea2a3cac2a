import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { isExperimentFinished, type ExperimentStatus } from './core/experiments/experiment-status.js';
import { readExperimentFile } from './run-experiment.js';
import { RemoteServiceError, authorization, request, type RemoteService, type WireError } from './remote/client.js';
import { RunProgress } from './run-progress.js';

/**
 * `graphnas run FILE --url URL`: the experiment runs on the service that owns the store,
 * and this process only submits it (create the search space, create the experiment,
 * start it; GraphQL over HTTP) and follows it (graphql-ws subscriptions on the same URL)
 * with the same output as a local run. It never opens a database.
 */

export interface RemoteRunResult {
  readonly experimentId: string;
  readonly status: string;
  readonly endReason: string | null;
}

/**
 * A silent subscription is re-checked this often with a query. graphql-ws does not
 * acknowledge a subscription, so one that the server registers only after the experiment
 * ended (a short run on a busy server) would otherwise wait for an event that never comes.
 */
const RESYNC_MS = 5_000;

interface CreatedSpace {
  readonly id: string;
  readonly name: string;
  readonly cardinality: string;
}

interface CreatedExperiment {
  readonly id: string;
  readonly seed: number;
  readonly strategy: { readonly type: string };
  readonly evaluator: { readonly type: string };
  readonly objective: { readonly metric: string; readonly direction: 'MAXIMIZE' | 'MINIMIZE' };
  readonly budget: { readonly maxTrials: number };
}

interface ExperimentState {
  readonly status: ExperimentStatus;
  readonly endReason: string | null;
  readonly progress: { readonly finishedEvaluations: number };
  readonly bestTrial: { readonly reward: number | null } | null;
}

interface TrialEvent {
  readonly id: string;
  readonly status: string;
  readonly reward: number | null;
  readonly finishedAt: string | null;
  readonly duplicateOfId: string | null;
}

const STATE = `query State($id: ID!) { experiment(id: $id) { status endReason progress { finishedEvaluations } bestTrial { reward } } }`;

/** graphql-ws's close code for missing or bad credentials (the server's contract). */
const CLOSE_FORBIDDEN = 4403;

function closeReason(event: unknown): string {
  if (event instanceof Error) return event.message;
  if (Array.isArray(event)) return (event as WireError[]).map((e) => e.message).join('; ');
  // A CloseEvent, or ws's ErrorEvent for a socket that never opened (refused, HTTP 400 for a wrong path).
  const close = event as { code?: unknown; reason?: unknown; message?: unknown };
  if (typeof close.code === 'number') return `WebSocket closed with ${close.code}${close.reason ? ` (${String(close.reason)})` : ''}`;
  return typeof close.message === 'string' ? close.message : String(event);
}

function socketError(service: RemoteService, what: string, event: unknown): RemoteServiceError {
  if ((event as { code?: unknown }).code === CLOSE_FORBIDDEN) {
    return new RemoteServiceError(
      `${service.url} ${what}: ${closeReason(event)}; it needs ${service.apiKey === null ? 'an API key: set GRAPHNAS_API_KEY (or --key)' : 'a valid API key'}`,
      'UNAUTHENTICATED',
      { cause: event },
    );
  }
  return new RemoteServiceError(`${service.url} ${what}: ${closeReason(event)}`, null, { cause: event });
}

/** An open graphql-ws connection, told when it comes back after a drop and when it is lost for good. */
interface Connection {
  readonly client: Client;
  onReconnect(listener: () => void): () => void;
  onLost(listener: (event: unknown) => void): () => void;
}

/**
 * Opens the WebSocket before anything is created, so that a service this process could
 * not follow (refused credentials, no WebSocket endpoint) is found out with nothing left
 * behind.
 */
async function connect(service: RemoteService): Promise<Connection> {
  const reconnected = new Set<() => void>();
  const lost = new Set<(event: unknown) => void>();
  let connections = 0;
  let opened!: () => void;
  let failed!: (event: unknown) => void;
  const open = new Promise<void>((resolve, reject) => ((opened = resolve), (failed = reject)));
  const client = createClient({
    url: service.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization(service.apiKey),
    lazy: false,
    // A restart or a lost network (1001, 1006) is worth reconnecting for; a 4xxx close is
    // the server's refusal (a bad key, a bad request) and would be refused again.
    shouldRetry: (event) => typeof (event as { code?: unknown }).code === 'number' && (event as { code: number }).code < 4000,
    onNonLazyError: (event) => {
      failed(event);
      for (const listener of lost) listener(event);
    },
    on: {
      connected: () => {
        connections += 1;
        if (connections === 1) opened();
        else for (const listener of reconnected) listener();
      },
    },
  });
  try {
    await open;
  } catch (event) {
    await client.dispose();
    throw socketError(service, 'cannot be followed over graphql-ws', event);
  }
  const register = <T>(set: Set<T>, listener: T): (() => void) => {
    set.add(listener);
    return () => set.delete(listener);
  };
  return { client, onReconnect: (listener) => register(reconnected, listener), onLost: (listener) => register(lost, listener) };
}

/**
 * Starts the experiment and follows it until it ends: the subscriptions push every trial
 * and status change, and a query re-reads the state after the start, after every
 * reconnection (events sent while the socket was down are not replayed) and after
 * RESYNC_MS of silence.
 */
async function startAndFollow(service: RemoteService, connection: Connection, experiment: CreatedExperiment, progress: RunProgress): Promise<void> {
  const finished = new Set<string>();
  let reportedFinished = 0;
  let best: number | null = null;
  const better = (a: number, b: number): boolean => (experiment.objective.direction === 'MAXIMIZE' ? a > b : a < b);
  const offer = (reward: number | null): void => {
    if (reward !== null && (best === null || better(reward, best))) best = reward;
  };
  const shown = (): number => Math.max(finished.size, reportedFinished);

  let settle!: (error: Error | null) => void;
  const ended = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  let quiet: NodeJS.Timeout | null = null;
  let over = false;
  let started = false;
  const finish = (error: Error | null): void => {
    if (over) return;
    over = true;
    if (quiet) clearTimeout(quiet);
    settle(error);
  };
  const resync = (): void => {
    if (over) return;
    if (quiet) clearTimeout(quiet);
    request<{ experiment: ExperimentState | null }>(service, 'the experiment query', STATE, { id: experiment.id }).then((data) => {
      if (over) return;
      const state = data.experiment;
      if (state === null) return finish(new RemoteServiceError(`experiment ${experiment.id} no longer exists on ${service.url}`, 'NOT_FOUND'));
      const before = [shown(), best];
      reportedFinished = Math.max(reportedFinished, state.progress.finishedEvaluations);
      offer(state.bestTrial?.reward ?? null);
      // Like the local run, the bar appears with the first finished trial.
      if (before[0] !== shown() || before[1] !== best) progress.update(shown(), best);
      if (isExperimentFinished(state.status)) return finish(null);
      quiet = setTimeout(resync, RESYNC_MS);
    }, finish);
  };
  const heard = (): void => {
    if (quiet) clearTimeout(quiet);
    if (!over) quiet = setTimeout(resync, RESYNC_MS);
  };
  const failed = (event: unknown): void =>
    finish(socketError(service, `stopped the subscriptions to experiment ${experiment.id}`, event).withNote(started ? 'it keeps running there' : 'it was created, not started'));

  const offReconnect = connection.onReconnect(resync);
  const offLost = connection.onLost(failed);
  const unsubscribeTrials = connection.client.subscribe<{ trialUpdated: TrialEvent }>(
    { query: `subscription Trials($id: ID!) { trialUpdated(experimentId: $id) { id status reward finishedAt duplicateOfId } }`, variables: { id: experiment.id } },
    {
      next: ({ data, errors }) => {
        if (errors?.length) return failed(errors);
        const trial = data?.trialUpdated;
        heard();
        // Evaluations with an outcome, as the local run counts them: no answered duplicates, no cancellations.
        if (!trial || trial.finishedAt === null || trial.duplicateOfId !== null || trial.status === 'CANCELLED' || finished.has(trial.id)) return;
        finished.add(trial.id);
        offer(trial.reward);
        progress.update(shown(), best);
      },
      error: failed,
      complete: () => undefined,
    },
  );
  const unsubscribeExperiment = connection.client.subscribe<{ experimentUpdated: { status: ExperimentStatus } }>(
    { query: `subscription Experiment($id: ID!) { experimentUpdated(id: $id) { status } }`, variables: { id: experiment.id } },
    {
      next: ({ data, errors }) => {
        if (errors?.length) return failed(errors);
        heard();
        if (data && isExperimentFinished(data.experimentUpdated.status)) finish(null);
      },
      error: failed,
      complete: () => undefined,
    },
  );
  try {
    await request(service, 'startExperiment', `mutation Start($id: ID!) { startExperiment(id: $id) { status } }`, { id: experiment.id });
    started = true;
    resync();
    await ended;
  } finally {
    offReconnect();
    offLost();
    unsubscribeTrials();
    unsubscribeExperiment();
  }
}

export async function runExperimentRemote(path: string, service: RemoteService, out: NodeJS.WriteStream = process.stdout): Promise<RemoteRunResult> {
  const { experiment: file, space } = readExperimentFile(path);
  const { searchSpaceFormat, searchSpace: _inline, ...input } = file;
  const connection = await connect(service);
  try {
    const { createSearchSpace: createdSpace } = await request<{ createSearchSpace: CreatedSpace }>(
      service,
      'createSearchSpace',
      `mutation CreateSpace($input: CreateSearchSpaceInput!) { createSearchSpace(input: $input) { id name cardinality } }`,
      { input: { name: file.name, definition: space, format: searchSpaceFormat ?? 'GRAPHNAS' } },
    );
    const { createExperiment: created } = await request<{ createExperiment: CreatedExperiment }>(
      service,
      'createExperiment',
      `mutation CreateExperiment($input: CreateExperimentInput!) {
        createExperiment(input: $input) { id seed strategy { type } evaluator { type } objective { metric direction } budget { maxTrials } }
      }`,
      { input: { ...input, searchSpaceId: createdSpace.id } },
    );
    const progress = new RunProgress(out, created.budget.maxTrials);
    progress.header({
      experimentId: created.id,
      strategy: created.strategy.type,
      spaceName: createdSpace.name,
      cardinality: createdSpace.cardinality,
      evaluator: created.evaluator.type,
      seed: created.seed,
    });
    await startAndFollow(service, connection, created, progress);
    const { experiment: final } = await request<{
      experiment: { status: string; endReason: string | null; leaderboard: { sequence: number; reward: number | null; label: string }[] } | null;
    }>(service, 'the leaderboard query', `query Final($id: ID!) { experiment(id: $id) { status endReason leaderboard(top: 10) { sequence reward label } } }`, { id: created.id });
    if (final === null) throw new RemoteServiceError(`experiment ${created.id} no longer exists on ${service.url}`, 'NOT_FOUND');
    progress.summary({ status: final.status, endReason: final.endReason, metric: created.objective.metric, direction: created.objective.direction, leaderboard: final.leaderboard });
    return { experimentId: created.id, status: final.status, endReason: final.endReason };
  } finally {
    await connection.client.dispose();
  }
}
