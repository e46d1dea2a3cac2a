import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import * as documents from '../../web/src/api/documents.js';
import { bestSoFar } from '../../web/src/model/trial-set.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gql, gqlOk, subscribe, type GraphQLResponse } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Every operation the dashboard sends, sent to a real server with the largest variables
 * the dashboard uses (a full page of 500 trials, 4,000 policy steps): none may be refused
 * by the schema or by a limit (depth, aliases, tokens, cost, rate). Then the dashboard's
 * own best-so-far rule is checked against the API's on a real search.
 */

/** Codes that mean the document itself is at fault, not the state it ran against. */
const DOCUMENT_FAULTS = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'LIMIT_EXCEEDED', 'BAD_REQUEST', 'RATE_LIMITED']);

function faults(result: GraphQLResponse<unknown>): string[] {
  return (result.errors ?? []).filter((e) => e.extensions?.code === undefined || DOCUMENT_FAULTS.has(e.extensions.code)).map((e) => `${e.extensions?.code}: ${e.message}`);
}

async function ok<T>(url: string, name: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const result = await gql<T>(url, query, variables);
  assert.deepEqual(faults(result), [], `${name} was refused`);
  assert.deepEqual(result.errors ?? [], [], `${name} failed`);
  return result.data as T;
}

const exported = Object.entries(documents as Record<string, unknown>).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && /^\s*(query|mutation|subscription)\b/.test(entry[1]));

describe('the dashboard’s GraphQL documents', async () => {
  const [pglite] = await backends();
  let server: RunningServer;
  let url: string;
  before(async () => {
    server = await startTestServer(pglite!.config());
    url = server.url;
  });
  after(async () => {
    await server?.close();
  });

  test('all of them are exercised below', () => {
    const covered = new Set([
      'VIEWER', 'EXPERIMENTS', 'EXPERIMENT_UPDATED', 'EXPERIMENT', 'TRIAL_POINTS', 'TRIAL_PAGE', 'TRIAL_UPDATED', 'RECENT_CURVES', 'METRIC_REPORTED',
      'POLICY_HISTORY', 'POLICY_UPDATED', 'FAILURES', 'TRIAL', 'SEARCH_SPACES', 'SEARCH_SPACE', 'VALIDATE_SPACE', 'CREATE_SPACE', 'DELETE_SPACE',
      'CREATE_EXPERIMENT', 'START_EXPERIMENT', 'PAUSE_EXPERIMENT', 'RESUME_EXPERIMENT', 'CANCEL_EXPERIMENT', 'DELETE_EXPERIMENT',
      'EXPERIMENT_EVENT', 'FINALIZATION', 'FINAL_CURVES', 'FINALIZATION_UPDATED', 'FINAL_TRIAL_UPDATED', 'FINALIZE_EXPERIMENT', 'CANCEL_FINALIZATION',
    ]);
    assert.deepEqual(exported.map(([name]) => name).filter((name) => !covered.has(name)), []);
  });

  test('every query, mutation and subscription passes the schema and the limits at the sizes the dashboard uses', async () => {
    const { PAGE, EXPERIMENTS_PAGE, TABLE_PAGE, CURVE_TRIALS, FAILURES_PAGE, POLICY_LIMIT } = documents;
    await ok(url, 'VIEWER', documents.VIEWER, {});
    await ok(url, 'VALIDATE_SPACE', documents.VALIDATE_SPACE, { format: 'GRAPHNAS', definition: NB201_SPACE() });
    const space = (await ok<documents.CreateSpaceData>(url, 'CREATE_SPACE', documents.CREATE_SPACE, { input: { name: 'docs', definition: NB201_SPACE() } })).createSearchSpace;
    await ok(url, 'SEARCH_SPACES', documents.SEARCH_SPACES, { first: PAGE, after: null });
    await ok(url, 'SEARCH_SPACE', documents.SEARCH_SPACE, { id: space.id });
    const input = { name: 'docs', searchSpaceId: space.id, strategy: { type: 'reinforce', hyperparameters: {} }, evaluator: { type: 'tabular', options: {} }, budget: { maxTrials: 30, parallelTrials: 2 }, seed: 3 };
    const id = (await ok<documents.CreateExperimentData>(url, 'CREATE_EXPERIMENT', documents.CREATE_EXPERIMENT, { input })).createExperiment.id;

    const subscriptions = await Promise.all([
      subscribe(url, documents.EXPERIMENT_UPDATED, { id }, (d) => d.experimentUpdated),
      subscribe(url, documents.TRIAL_UPDATED, { experimentId: id }, (d) => d.trialUpdated as documents.TrialRow),
      subscribe(url, documents.METRIC_REPORTED, { experimentId: id, trialId: null }, (d) => d.trialMetricReported),
      subscribe(url, documents.POLICY_UPDATED, { experimentId: id }, (d) => d.policyUpdated),
    ]);
    try {
      await ok(url, 'START_EXPERIMENT', documents.START_EXPERIMENT, { id });
      await subscriptions[1]!.until((r) => r.some((t) => t.status === 'SUCCEEDED'));
      await ok(url, 'PAUSE_EXPERIMENT', documents.PAUSE_EXPERIMENT, { id });
      await ok(url, 'RESUME_EXPERIMENT', documents.RESUME_EXPERIMENT, { id });
      await subscriptions[0]!.until((r) => r.length > 0);
      const done = await waitForEnd(url, id);
      assert.equal(done, 'SUCCEEDED');
      for (const s of subscriptions) assert.deepEqual(s.errors, []);
    } finally {
      await Promise.all(subscriptions.map((s) => s.close()));
    }

    await ok(url, 'EXPERIMENTS', documents.EXPERIMENTS, { first: EXPERIMENTS_PAGE, after: null });
    await ok(url, 'EXPERIMENT', documents.EXPERIMENT, { id });
    const points = await ok<documents.TrialPointsData>(url, 'TRIAL_POINTS', documents.TRIAL_POINTS, { id, first: PAGE, after: null });
    await ok(url, 'TRIAL_PAGE', documents.TRIAL_PAGE, { id, first: TABLE_PAGE, after: null, orderBy: 'REWARD_DESC', status: ['SUCCEEDED', 'FAILED'], duplicates: 'EXCLUDE' });
    await ok(url, 'RECENT_CURVES', documents.RECENT_CURVES, { id, first: CURVE_TRIALS });
    await ok(url, 'POLICY_HISTORY', documents.POLICY_HISTORY, { id, limit: POLICY_LIMIT });
    await ok(url, 'FAILURES', documents.FAILURES, { id, first: FAILURES_PAGE });
    const trialId = points.experiment!.trials.edges[0]!.node.id;
    await ok(url, 'TRIAL', documents.TRIAL, { id: trialId });
    await finalize(url, id);

    const second = (await ok<documents.CreateExperimentData>(url, 'CREATE_EXPERIMENT', documents.CREATE_EXPERIMENT, { input: { ...input, name: 'to cancel' } })).createExperiment.id;
    await ok(url, 'START_EXPERIMENT', documents.START_EXPERIMENT, { id: second });
    await ok(url, 'CANCEL_EXPERIMENT', documents.CANCEL_EXPERIMENT, { id: second });
    await waitForEnd(url, second);
    await ok(url, 'DELETE_EXPERIMENT', documents.DELETE_EXPERIMENT, { id: second });
    await ok(url, 'DELETE_EXPERIMENT', documents.DELETE_EXPERIMENT, { id });
    await ok(url, 'DELETE_SPACE', documents.DELETE_SPACE, { id: space.id });
  });

  test('the dashboard’s best-so-far curve is the API’s', async () => {
    const space = (await gqlOk<documents.CreateSpaceData>(url, documents.CREATE_SPACE, { input: { name: 'curve', definition: NB201_SPACE() } })).createSearchSpace;
    for (const direction of ['MAXIMIZE', 'MINIMIZE'] as const) {
      const input = { name: `curve ${direction}`, searchSpaceId: space.id, strategy: { type: 'random' }, evaluator: { type: 'tabular' }, objective: { direction }, budget: { maxTrials: 40, parallelTrials: 3 }, seed: 11 };
      const id = (await gqlOk<documents.CreateExperimentData>(url, documents.CREATE_EXPERIMENT, { input })).createExperiment.id;
      await gqlOk(url, documents.START_EXPERIMENT, { id });
      assert.equal(await waitForEnd(url, id), 'SUCCEEDED');
      const api = await gqlOk<{ experiment: { bestSoFar: { sequence: number; reward: number }[] } }>(url, `query($id: ID!) { experiment(id: $id) { bestSoFar { sequence reward } } }`, { id });
      const trials = (await gqlOk<documents.TrialPointsData>(url, documents.TRIAL_POINTS, { id, first: documents.PAGE, after: null })).experiment!.trials.edges.map((e) => e.node);
      const ours = bestSoFar(trials, direction);
      assert.ok(ours.sequence.length >= 40, 'every evaluation is on the curve');
      assert.deepEqual(
        ours.sequence.map((sequence, i) => ({ sequence, reward: ours.best[i] })),
        api.experiment.bestSoFar,
      );
    }
  });
});

/**
 * The finalists view's documents on the finished search: its event cursor, the
 * subscriptions it follows `after` it, the largest finalization the form can ask for (a
 * table gives one seed each), and a finalist's trial page with its model field.
 */
async function finalize(url: string, id: string): Promise<void> {
  const head = await ok<documents.ExperimentEventData>(url, 'EXPERIMENT_EVENT', documents.EXPERIMENT_EVENT, { id });
  const after = head.experiment!.eventId;
  assert.equal((await ok<documents.FinalizationData>(url, 'FINALIZATION', documents.FINALIZATION, { id })).experiment!.finalization, null, 'none before finalizeExperiment');
  const subscriptions = await Promise.all([
    subscribe(url, documents.FINALIZATION_UPDATED, { experimentId: id, after }, (d) => d.finalizationUpdated as documents.FinalizationUpdatedData['finalizationUpdated']),
    subscribe(url, documents.FINAL_TRIAL_UPDATED, { experimentId: id, after }, (d) => d.trialUpdated as documents.FinalTrialUpdatedData['trialUpdated']),
    subscribe(url, documents.METRIC_REPORTED, { experimentId: id, trialId: null, after }, (d) => d.trialMetricReported as documents.ReportedMetric),
  ]);
  let finalization: documents.Finalization;
  try {
    const started = await ok<documents.FinalizeExperimentData>(url, 'FINALIZE_EXPERIMENT', documents.FINALIZE_EXPERIMENT, { id, input: { topK: 50, seeds: 1 } });
    assert.equal(started.finalizeExperiment.round, 1);
    const updates = await subscriptions[0]!.until((r) => r.some((f) => f.status === 'SUCCEEDED'));
    assert.ok(updates.every((f) => typeof f.eventId === 'number' && f.eventId > after), 'every update carries its event, after the cursor');
    const trials = await subscriptions[1]!.until((r) => r.filter((t) => t.stage === 'FINAL' && t.status === 'SUCCEEDED').length === started.finalizeExperiment.finalists.length);
    assert.ok(trials.every((t) => t.stage === 'FINAL' && t.final !== null && t.finalistOfId !== null), 'after the search ended, only finalists change');
    for (const s of subscriptions) assert.deepEqual(s.errors, []);
    finalization = (await ok<documents.FinalizationData>(url, 'FINALIZATION', documents.FINALIZATION, { id })).experiment!.finalization!;
  } finally {
    await Promise.all(subscriptions.map((s) => s.close()));
  }
  assert.equal(finalization.status, 'SUCCEEDED');
  assert.ok(finalization.finalists.length > 1 && finalization.winner !== null);
  await ok(url, 'FINAL_CURVES', documents.FINAL_CURVES, { id, metric: documents.FINAL_CURVE_METRIC });
  const replicate = finalization.finalists[0]!.replicates[0]!;
  const detail = await ok<documents.TrialData>(url, 'TRIAL', documents.TRIAL, { id: replicate.id });
  assert.equal(detail.trial!.stage, 'FINAL');
  assert.equal(detail.trial!.finalistOfId, finalization.finalists[0]!.proxyTrial.id);
  // Only a RUNNING round can be cancelled: the document must pass, the state answers CONFLICT.
  const cancelled = await gql(url, documents.CANCEL_FINALIZATION, { id });
  assert.deepEqual(faults(cancelled), [], 'CANCEL_FINALIZATION was refused');
  assert.equal(cancelled.errors?.[0]?.extensions?.code, 'CONFLICT');
}

async function waitForEnd(url: string, id: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { experiment } = await gqlOk<{ experiment: { status: string } }>(url, `query($id: ID!) { experiment(id: $id) { status } }`, { id });
    if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(experiment.status)) return experiment.status;
    if (Date.now() > deadline) throw new Error(`experiment ${id} still ${experiment.status} after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
