import { epochsOf, experimentInput, readExperimentFile } from './commands/experiment-file.js';
import type { OutcomeSummary } from './commands/trial-outcomes.js';
import { isExperimentFinished, type ExperimentStatus } from './core/experiments/experiment-status.js';
import { RemoteServiceError, request, type RemoteService } from './remote/client.js';
import { ExperimentFollower, connectSocket, type StreamPayload } from './remote/follow.js';
import { TRIAL_FIELDS } from './remote/inspect.js';
import { RunProgress, type MetricPoint, type TrialUpdate } from './run-progress.js';

/**
 * `graphnas run FILE --url URL`: the experiment runs on the service that owns the store,
 * and this process only submits it (create the search space, create the experiment,
 * start it; GraphQL over HTTP) and follows it (graphql-ws subscriptions on the same URL,
 * from its first event, resumed after the last one seen when the connection drops) with
 * the same output as a local run. It never opens a database.
 */

export interface RunResult {
  readonly experimentId: string;
  readonly status: string;
  readonly endReason: string | null;
  readonly outcomes: OutcomeSummary;
}

interface CreatedSpace {
  readonly id: string;
  readonly name: string;
  readonly cardinality: string;
}

interface CreatedExperiment {
  readonly id: string;
  readonly seed: number;
  readonly strategy: { readonly type: string };
  readonly evaluator: { readonly type: string; readonly options: Readonly<Record<string, unknown>> };
  readonly objective: { readonly metric: string; readonly direction: 'MAXIMIZE' | 'MINIMIZE' };
  readonly budget: { readonly maxTrials: number };
  readonly earlyStopping: { readonly metric: string } | null;
}

export async function runExperimentRemote(
  path: string,
  service: RemoteService,
  out: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<RunResult> {
  const { experiment: file, space } = readExperimentFile(path);
  // Opened before anything is created: a service this process could not follow leaves nothing behind.
  const socket = await connectSocket(service);
  let follower: ExperimentFollower | null = null;
  let progress: RunProgress | null = null;
  try {
    const { createSearchSpace: createdSpace } = await request<{ createSearchSpace: CreatedSpace }>(
      service,
      'createSearchSpace',
      `mutation CreateSpace($input: CreateSearchSpaceInput!) { createSearchSpace(input: $input) { id name cardinality } }`,
      { input: { name: file.name, definition: space, format: file.searchSpaceFormat ?? 'GRAPHNAS' } },
    );
    const { createExperiment: created } = await request<{ createExperiment: CreatedExperiment }>(
      service,
      'createExperiment',
      `mutation CreateExperiment($input: CreateExperimentInput!) {
        createExperiment(input: $input) { id seed strategy { type } evaluator { type options } objective { metric direction } budget { maxTrials } earlyStopping { metric } }
      }`,
      { input: { ...experimentInput(file), searchSpaceId: createdSpace.id } },
    );
    const shown = new RunProgress(out, created.budget.maxTrials, {
      direction: created.objective.direction,
      curveMetric: created.earlyStopping?.metric ?? null,
      epochs: epochsOf(created.evaluator),
    });
    progress = shown;
    shown.header({
      experimentId: created.id,
      strategy: created.strategy.type,
      spaceName: createdSpace.name,
      cardinality: createdSpace.cardinality,
      evaluator: created.evaluator.type,
      seed: created.seed,
    });

    let ended!: () => void;
    const finished = new Promise<void>((resolve) => (ended = resolve));
    // The payloads are the selections asked for, as TrialUpdate and MetricPoint declare them.
    const following = new ExperimentFollower(
      service,
      created.id,
      [
        { field: 'trialUpdated', selection: TRIAL_FIELDS, onEvent: (p: StreamPayload) => shown.trial(p as unknown as TrialUpdate) },
        { field: 'trialMetricReported', selection: 'trialId step name value', onEvent: (p) => shown.metric(p as unknown as MetricPoint) },
        {
          field: 'experimentUpdated',
          selection: 'status',
          onEvent: (p) => {
            if (isExperimentFinished(p.status as ExperimentStatus)) ended();
          },
        },
      ],
      {
        // Its whole history, creation included: nothing it does can be missed, however late the subscriptions start.
        after: 0,
        socket,
        onDrop: (reason) => err.write(`graphnas run: lost the connection to ${service.url} (${reason}); reconnecting\n`),
        onResume: () => err.write(`graphnas run: reconnected to ${service.url}\n`),
      },
    );
    follower = following;
    await following.start();
    let started = false;
    try {
      await request(service, 'startExperiment', `mutation Start($id: ID!) { startExperiment(id: $id) { status } }`, { id: created.id });
      started = true;
      await Promise.race([finished, following.ended]);
      await Promise.race([following.drain(), following.ended]);
    } catch (error) {
      if (!(error instanceof RemoteServiceError)) throw error;
      throw error.withNote(started ? `experiment ${created.id} keeps running there` : `experiment ${created.id} was created, not started`);
    }
    await following.stop();
    const { experiment: final } = await request<{
      experiment: { status: string; endReason: string | null; leaderboard: { sequence: number; reward: number | null; label: string }[] } | null;
    }>(service, 'the leaderboard query', `query Final($id: ID!) { experiment(id: $id) { status endReason leaderboard(top: 10) { sequence reward label } } }`, { id: created.id });
    if (final === null) throw new RemoteServiceError(`experiment ${created.id} no longer exists on ${service.url}`, 'NOT_FOUND');
    shown.summary({ status: final.status, endReason: final.endReason, metric: created.objective.metric, direction: created.objective.direction, leaderboard: final.leaderboard }, created.evaluator.type);
    return { experimentId: created.id, status: final.status, endReason: final.endReason, outcomes: shown.summaryOfOutcomes() };
  } finally {
    progress?.close();
    await follower?.stop();
    await socket.dispose();
  }
}
