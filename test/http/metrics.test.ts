import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gql, gqlOk, type As } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

/** One sample of Prometheus' text format: `name{label="value",…} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A line-based reader of Prometheus' text exposition format (version 0.0.4): it fails on
 * any line that is neither a HELP, a TYPE nor a sample, on a sample of a family with no
 * TYPE before it, and on a value that is not a number.
 */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const family = (name: string): string | undefined => {
    if (types.has(name)) return name;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return types.has(base) ? base : undefined;
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3], /^(counter|gauge|histogram|summary|untyped)$/, line);
        types.set(meta[2], meta[3]);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$/.exec(line);
    assert.ok(sample, `not a line of the text format: ${JSON.stringify(line)}`);
    const [, name, rawLabels = '', rawValue] = sample;
    assert.ok(family(name), `${name} has no # TYPE before it`);
    const labels: Record<string, string> = {};
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
    let match: RegExpExecArray | null;
    while (labelPattern.lastIndex < rawLabels.length && (match = labelPattern.exec(rawLabels)) !== null) {
      labels[match[1]] = match[2].replace(/\\(.)/g, (_all, c: string) => (c === 'n' ? '\n' : c));
    }
    assert.equal(labelPattern.lastIndex, rawLabels.length, `labels of ${line}`);
    const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
    // NaN is a value of the format, read case-blind as Prometheus does: prom-client writes
    // `Nan`, e.g. for the event-loop lag before its histogram holds a sample.
    assert.ok(/^nan$/i.test(rawValue) || !Number.isNaN(value), `the value of ${line}`);
    samples.push({ name, labels, value });
  }
  return { samples, types };
}

/** A scrape, with a lookup of one series' value by name and a subset of its labels (0 when absent). */
class Scrape {
  constructor(readonly samples: readonly Sample[]) {}
  value(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
  }
}

async function scrape(base: URL, as: As): Promise<Scrape> {
  const response = await fetch(new URL('/metrics', base), { headers: as.token ? { authorization: `Bearer ${as.token}` } : {} });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return new Scrape(parseExposition(await response.text()).samples);
}

/**
 * The gauges of shared state share one read of the database per scrape, reused for a
 * second (service-metrics.ts): a scrape that must see a change made since the last one
 * waits that second out.
 */
const freshGauges = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1100));

const delta = (before: Scrape, after: Scrape, name: string, labels: Readonly<Record<string, string>> = {}): number => after.value(name, labels) - before.value(name, labels);

interface TrialView {
  status: string;
  attempt: number;
  workerId: string | null;
}

async function experimentNamed(url: string, as: As, name: string, evaluator: Record<string, unknown>, budget: Record<string, number>): Promise<string> {
  const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation CreateSpace($d: JSON!) { createSearchSpace(input: { name: "metrics space", definition: $d }) { id } }`, { d: NB201_SPACE() }, as);
  const created = await gqlOk<{ createExperiment: { id: string } }>(
    url,
    `mutation CreateExperiment($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    { input: { name, searchSpaceId: space.createSearchSpace.id, strategy: { type: 'random' }, evaluator, budget, seed: 7 } },
    as,
  );
  await gqlOk(url, `mutation StartExperiment($id: ID!) { startExperiment(id: $id) { status } }`, { id: created.createExperiment.id }, as);
  return created.createExperiment.id;
}

async function experimentState(url: string, as: As, id: string): Promise<{ status: string; trials: TrialView[] }> {
  const { experiment } = await gqlOk<{ experiment: { status: string; trials: { edges: { node: TrialView }[] } } }>(
    url,
    `query ExperimentStatus($id: ID!) { experiment(id: $id) { status trials(duplicates: EXCLUDE, first: 100) { edges { node { status attempt workerId } } } } }`,
    { id },
    as,
  );
  return { status: experiment.status, trials: experiment.trials.edges.map((e) => e.node) };
}

describe('GET /metrics', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let base: URL;
      const as: Record<string, As & { id: string }> = {};

      before(async () => {
        server = await startTestServer(backend.config({ schedulerResyncMs: 200 }));
        base = new URL(server.url);
        const key = async (name: string, role: 'admin' | 'viewer' | 'worker', project: string | null) => {
          const created = await server.services.keys.create({ name, role, project }, 'test');
          return { token: created.token, id: created.key.id };
        };
        as.admin = await key('admin', 'admin', null);
        as.viewer = await key('prometheus', 'viewer', null);
        as.viewerA = await key('viewer a', 'viewer', 'a');
        as.worker = await key('worker', 'worker', null);
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('wants a key that may read every project: none is 401, a worker or a project’s key 403', async () => {
        const status = async (who: As) => (await fetch(new URL('/metrics', base), { headers: who.token ? { authorization: `Bearer ${who.token}` } : {} })).status;
        assert.equal(await status({}), 401);
        assert.equal(await status({ token: 'gnk_not-a-key-at-all-but-long-enough-0000000' }), 401);
        assert.equal(await status(as.worker), 403, 'a worker key may not read');
        assert.equal(await status(as.viewerA), 403, 'the metrics name other projects’ experiments');
        assert.equal(await status(as.viewer), 200);
        assert.equal(await status(as.admin), 200);
        const refused = (await (await fetch(new URL('/metrics', base), { headers: { authorization: `Bearer ${as.worker.token}` } })).json()) as { errors?: { extensions?: { code?: string } }[] };
        assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      });

      test('the counters move with a search: trials by status, claims, trial times, operations by name, scheduler passes', async () => {
        const before = await scrape(base, as.viewer);
        const id = await experimentNamed(server.url, as.admin, 'metrics search', { type: 'tabular' }, { maxTrials: 8, parallelTrials: 2 });
        let state = await experimentState(server.url, as.admin, id);
        while (state.status === 'RUNNING') {
          await new Promise((resolve) => setTimeout(resolve, 100));
          state = await experimentState(server.url, as.admin, id);
        }
        assert.equal(state.status, 'SUCCEEDED');
        // An operation that fails, counted under its error code.
        const missing = await gql(server.url, `mutation StartMissing($id: ID!) { startExperiment(id: $id) { status } }`, { id: '00000000-0000-4000-8000-000000000000' }, as.admin);
        const missingCode = missing.errors?.[0]?.extensions?.code ?? 'OK';
        const after = await scrape(base, as.viewer);

        const evaluated = state.trials;
        const succeeded = evaluated.filter((t) => t.status === 'SUCCEEDED').length;
        assert.ok(succeeded > 0 && evaluated.every((t) => t.workerId?.startsWith('inproc:')), 'the service’s pool trained them');
        assert.equal(delta(before, after, 'graphnas_trials_finished_total', { status: 'SUCCEEDED' }), succeeded);
        assert.equal(delta(before, after, 'graphnas_trials_finished_total'), evaluated.length, 'every evaluated trial finished once');
        const attempts = evaluated.reduce((sum, t) => sum + t.attempt, 0);
        assert.equal(delta(before, after, 'graphnas_trial_claims_total', { by: 'service' }), attempts, 'one claim per attempt');
        assert.equal(delta(before, after, 'graphnas_trial_claims_total', { by: 'worker' }), 0);
        assert.equal(delta(before, after, 'graphnas_trial_duration_seconds_count', { by: 'service' }), evaluated.length);
        assert.equal(delta(before, after, 'graphnas_trial_queue_wait_seconds_count', { by: 'service' }), evaluated.length);

        const ok = { transport: 'http', outcome: 'OK' };
        assert.equal(delta(before, after, 'graphnas_graphql_operations_total', { ...ok, type: 'mutation', operation: 'CreateSpace' }), 1);
        assert.equal(delta(before, after, 'graphnas_graphql_operations_total', { ...ok, type: 'mutation', operation: 'CreateExperiment' }), 1);
        assert.equal(delta(before, after, 'graphnas_graphql_operations_total', { ...ok, type: 'mutation', operation: 'StartExperiment' }), 1);
        assert.ok(delta(before, after, 'graphnas_graphql_operations_total', { ...ok, type: 'query', operation: 'ExperimentStatus' }) >= 1);
        assert.notEqual(missingCode, 'OK', 'starting an unknown experiment is an error');
        assert.equal(delta(before, after, 'graphnas_graphql_operations_total', { transport: 'http', type: 'mutation', operation: 'StartMissing', outcome: missingCode }), 1);
        assert.equal(delta(before, after, 'graphnas_graphql_operations_total', { operation: 'StartMissing', outcome: 'OK' }), 0);
        assert.equal(delta(before, after, 'graphnas_graphql_operation_seconds_count', { transport: 'http', type: 'mutation', operation: 'CreateExperiment' }), 1);

        const passes = delta(before, after, 'graphnas_scheduler_pass_seconds_count');
        assert.ok(passes >= 1, `scheduler passes counted: ${passes}`);
        assert.equal(after.value('graphnas_scheduler_pass_seconds_bucket', { le: '+Inf' }), after.value('graphnas_scheduler_pass_seconds_count'), 'the +Inf bucket holds every pass');
        assert.ok(delta(before, after, 'graphnas_scheduler_pass_seconds_sum') > 0);
        assert.equal(delta(before, after, 'graphnas_scheduler_lag_seconds_count'), passes);
        assert.ok(delta(before, after, 'graphnas_controller_update_seconds_count') >= 1, 'the strategy ran');
        assert.ok(delta(before, after, 'graphnas_event_bus_lag_seconds_count') >= evaluated.length, 'the trials’ events reached this replica');
        assert.ok(after.value('graphnas_db_pool_connections', { state: 'total' }) >= 1);
        assert.equal(after.value('graphnas_trials', { experiment: id }), 0, 'a finished experiment leaves the live gauge');
      });

      test('the worker queue gauge counts what waits for workers, and a worker’s claim is counted as one', async () => {
        const id = await experimentNamed(server.url, as.admin, 'metrics queue', { type: 'tabular', options: { placement: 'workers' } }, { maxTrials: 3, parallelTrials: 2 });
        // The scheduler proposes asynchronously: wait for its two trials to be PENDING.
        let state = await experimentState(server.url, as.admin, id);
        while (state.trials.filter((t) => t.status === 'PENDING').length < 2) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          state = await experimentState(server.url, as.admin, id);
        }
        await freshGauges();
        const waiting = await scrape(base, as.viewer);
        assert.equal(waiting.value('graphnas_worker_queue_trials'), 2, 'what the worker autoscaler follows');
        assert.equal(waiting.value('graphnas_trials', { experiment: id, status: 'PENDING' }), 2);

        await gqlOk(
          server.url,
          `mutation Register($i: RegisterWorkerInput!) { registerWorker(input: $i) { id } }`,
          { i: { name: 'scraped', host: 'test', backend: 'cpu', cores: 1, gpu: null, datasets: [], concurrency: 1 } },
          as.worker,
        );
        const claimed = await gqlOk<{ claimTrial: { id: string } | null }>(server.url, `mutation Claim($e: ID!) { claimTrial(experimentId: $e, workerId: "scraped") { id } }`, { e: id }, as.worker);
        assert.ok(claimed.claimTrial);
        await freshGauges();
        const held = await scrape(base, as.viewer);
        assert.equal(delta(waiting, held, 'graphnas_trial_claims_total', { by: 'worker' }), 1);
        assert.equal(held.value('graphnas_worker_queue_trials'), 1);
        assert.equal(held.value('graphnas_workers'), 1);
        assert.equal(delta(waiting, held, 'graphnas_graphql_operations_total', { transport: 'http', type: 'mutation', operation: 'Claim', outcome: 'OK' }), 1);

        await gqlOk(server.url, `mutation Cancel($id: ID!) { cancelExperiment(id: $id) { status } }`, { id }, as.admin);
        await freshGauges();
        assert.equal((await scrape(base, as.viewer)).value('graphnas_worker_queue_trials'), 0, 'a cancelled experiment leaves nothing in the queue');
      });
    });
  }
});
