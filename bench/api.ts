/**
 * `npm run bench:api`: what serving dashboards costs (issue 17), on both databases (PGlite
 * in memory, and PostgreSQL at GRAPHNAS_BENCH_DATABASE_URL or the local `test` database,
 * in a schema of its own that is dropped afterwards), in one run, every load on loopback
 * and bounded in time:
 *
 * - Throughput at 50 requests in flight of the dashboard's list query (20 experiments of
 *   250 trials: status, counts, best trial) and of one experiment's `trials(first: 50,
 *   orderBy: REWARD_DESC)`, against a bare Apollo Server 5 + express 5 answering the same
 *   bytes (bench/api/reference.ts) in the same run: requests/s and the ratio.
 * - At 100,000 trials in one experiment (bulk SQL, not the API): p50 of the leaderboard
 *   and of the trials page in each order, and EXPLAIN ANALYZE of the statements they send.
 * - Subscribers: as many graphql-ws subscribers as fit (default 10,000) on one replica
 *   (PostgreSQL: a replica that does not run the experiment), in a process of their own;
 *   events lost, delay from commit to receipt, the experiment's run time with them and
 *   without, the server's memory.
 * - Reconnect storm: 1,000 subscribers dropped mid-run and resubscribed `after` their
 *   last event id; every one must end with the experiment's complete, ordered list.
 *
 * Writes bench/results/api.json and api.md. Options: `--subscribers N`, `--only pglite|postgres`,
 * `--no-write`.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger as OrmLogger } from 'typeorm';
import { loadConfig, type Config } from '../src/config.js';
import { insertTrials } from '../src/core/trials/new-trials.js';
import { createSchema } from '../src/graphql/schema.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { compileSpace } from '../src/space/index.js';
import { EXPERIMENTS as LIST_QUERY, TRIAL_PAGE } from '../web/src/api/documents.js';
import { startReference } from './api/reference.js';
import type { LoadJob, LoadResult } from './api/load.worker.js';
import { inThisProcess, spawnReplica, type Replica } from './api/replica.js';
import type { Check, Command } from './api/subscribers.js';
import { percentiles, type Percentiles } from './percentiles.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const WRITE = !args.includes('--no-write');
const ONLY = option('--only');
const SUBSCRIBERS = Number(option('--subscribers') ?? 10_000);
const STORM = Number(option('--storm') ?? 1_000);
const LOAD_MS = Number(option('--load-ms') ?? 3000);
/** Which phases run (all by default): throughput, big, fanout, storm. */
const PHASES = new Set((option('--phases') ?? 'throughput,big,fanout,storm').split(','));
const BIG = Number(option('--big') ?? 100_000);
const CONCURRENCY = 50;
const EXPERIMENTS = 20;
const TRIALS = 250;
/** Trials of the experiment the subscribers watch: about three events each (PENDING, RUNNING, the outcome). */
const WATCHED_TRIALS = Number(option('--watched-trials') ?? 30);
const DATABASE_URL = process.env.GRAPHNAS_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = join(__dirname, '..', '..');

const TRIALS_VARIABLES = { first: 50, orderBy: 'REWARD_DESC', duplicates: 'INCLUDE' };
const LEADERBOARD = `query($id: ID!) { experiment(id: $id) { leaderboard(top: 10) { id sequence reward label } } }`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function post(url: string, query: string, variables: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return response.text();
}

async function data<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const json = JSON.parse(await post(url, query, variables)) as { data?: T; errors?: unknown };
  if (json.errors !== undefined || json.data === undefined) throw new Error(`${query.slice(0, 60)}…: ${JSON.stringify(json.errors)}`);
  return json.data;
}

function load(job: LoadJob, expectedLength: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'api', 'load.worker.js'), { workerData: { job, expectedLength } });
    worker.once('message', (message: { result?: LoadResult; error?: string }) => {
      void worker.terminate();
      if (message.result) resolve(message.result);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
  });
}

// ---- seeding ----------------------------------------------------------------------------

const CELL = { cell: { nodes: 4, ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] } };

async function createSpace(url: string): Promise<string> {
  const created = await data<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "bench", definition: $d }) { id } }`, { d: CELL });
  return created.createSearchSpace.id;
}

/** An external-evaluator experiment with `n` PENDING trials inserted the way the scheduler inserts them. */
async function experimentWithTrials(server: RunningServer, spaceId: string, name: string, n: number, salt: number): Promise<string> {
  const compiled = compileSpace(CELL);
  if (!compiled.ok) throw new Error('the bench space does not compile');
  const { space } = compiled;
  const created = await data<{ createExperiment: { id: string } }>(
    server.url,
    `mutation($s: ID!, $n: String!) { createExperiment(input: { name: $n, searchSpaceId: $s, evaluator: { type: "external" }, budget: { maxTrials: ${Math.max(n, 1)}, parallelTrials: ${Math.max(n, 1)} } }) { id } }`,
    { s: spaceId, n: name },
  );
  const id = created.createExperiment.id;
  const trials = Array.from({ length: n }, (_, i) => {
    const actions = [i % 5, Math.floor(i / 5) % 5, Math.floor(i / 25) % 5, Math.floor(i / 125) % 5, salt % 5, 0];
    const architecture = space.decode(actions);
    return { actions, architecture, label: space.label(architecture), fingerprint: space.fingerprint(architecture), policyVersion: 0, logProb: -3 };
  });
  await server.services.storage.transaction(async (tx) => insertTrials(tx, (await tx.experiments.findById(id, { forUpdate: true }))!, trials, new Date()));
  return id;
}

/**
 * Most trials succeeded with a reward, some failed, some still running; the finished ones already consumed by the
 * strategy and the best recorded on the experiment, as the scheduler leaves them; PAUSED, so that the scheduler
 * leaves trials nobody evaluates alone. (Left unobserved, they would be a backlog the scheduler learns from while
 * the queries are measured: that cost is the scheduler's, not the queries'.)
 */
async function finishSome(server: RunningServer, id: string): Promise<void> {
  const q = (sql: string, params: unknown[]): Promise<unknown> => server.database.dataSource.query(sql, params);
  await q(
    `UPDATE trial SET
       status = (CASE WHEN sequence % 10 = 0 THEN 'FAILED' WHEN sequence % 10 = 1 THEN 'RUNNING' ELSE 'SUCCEEDED' END)::trial_status,
       reward = CASE WHEN sequence % 10 IN (0, 1) THEN NULL ELSE ((sequence * 7919) % 10007) / 10007.0 END,
       observed_at = CASE WHEN sequence % 10 = 1 THEN NULL ELSE now() END
     WHERE experiment_id = $1`,
    [id],
  );
  await q(
    `UPDATE experiment SET status = 'PAUSED', best_trial_id = (SELECT id FROM trial WHERE experiment_id = $1 AND reward IS NOT NULL ORDER BY reward DESC, sequence LIMIT 1) WHERE id = $1`,
    [id],
  );
}

/** Grows the experiment to `n` trials by cloning its first row in SQL (whatever columns the schema has now). */
async function bulkTrials(server: RunningServer, id: string, n: number): Promise<void> {
  await server.database.dataSource.query(
    // LATERAL, not `(f(row)).*`, which would call f once per column.
    `INSERT INTO trial
     SELECT r.* FROM trial t
     CROSS JOIN LATERAL (SELECT to_jsonb(t) AS j) AS template
     CROSS JOIN generate_series(2, $2::int) AS g
     CROSS JOIN LATERAL jsonb_populate_record(NULL::trial, template.j || jsonb_build_object(
       'id', gen_random_uuid(), 'sequence', g, 'fingerprint', md5(g::text), 'label', 'clone ' || g,
       'created_at', t.created_at + g * interval '1 millisecond', 'updated_at', t.updated_at + g * interval '1 millisecond')) AS r
     WHERE t.experiment_id = $1 AND t.sequence = 1`,
    [id, n],
  );
  console.log(`  inserted ${n} trials`);
  await finishSome(server, id);
  console.log('  rewards set');
  await server.database.dataSource.query(`ANALYZE trial`);
  await server.database.dataSource.query(`ANALYZE trial_tally`);
}

// ---- SQL capture and EXPLAIN ------------------------------------------------------------

interface Captured {
  readonly sql: string;
  readonly parameters: unknown[];
}

/** Records the statements TypeORM sends while `capturing` is on. */
function captureStatements(server: RunningServer): { run<T>(work: () => Promise<T>): Promise<Captured[]> } {
  const source = server.database.dataSource;
  const logger: OrmLogger = source.logger;
  let sink: Captured[] | null = null;
  source.logger = new Proxy(logger, {
    get: (target, property, receiver) =>
      property === 'logQuery'
        ? (query: string, parameters?: unknown[], ...rest: unknown[]) => {
            sink?.push({ sql: query, parameters: parameters ?? [] });
            return (target.logQuery as (...a: unknown[]) => unknown)(query, parameters, ...rest);
          }
        : Reflect.get(target, property, receiver),
  });
  return {
    async run(work) {
      sink = [];
      const captured = sink;
      await work();
      sink = null;
      return captured;
    },
  };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

interface Explained {
  readonly operation: string;
  readonly sql: string;
  readonly scans: string[];
  /** Every scan of `trial` goes through an index. */
  readonly indexed: boolean;
  readonly executionMs: number;
}

async function explain(server: RunningServer, operation: string, statements: readonly Captured[]): Promise<Explained[]> {
  const rows: Explained[] = [];
  for (const s of statements) {
    if (!/^\s*(SELECT|WITH)/i.test(s.sql) || !/\btrial\b|"trial"/i.test(s.sql)) continue;
    const result: { 'QUERY PLAN': unknown }[] = await server.database.dataSource.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${s.sql}`, s.parameters);
    const raw = result[0]!['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode; 'Execution Time': number }[];
    const scans: string[] = [];
    const walk = (node: PlanNode): void => {
      if (/Scan/.test(node['Node Type']) && node['Relation Name'] !== undefined) scans.push(`${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`);
      else if (/Index/.test(node['Node Type']) && node['Index Name']) scans.push(`${node['Node Type']} using ${node['Index Name']}`);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan[0]!.Plan);
    const trialScans = scans.filter((x) => / on trial\b/.test(x) && !/ on trial_/.test(x));
    rows.push({ operation, sql: s.sql.replace(/\s+/g, ' ').slice(0, 400), scans, indexed: trialScans.every((x) => !x.startsWith('Seq Scan')), executionMs: plan[0]!['Execution Time'] });
  }
  return rows;
}

// ---- subscribers --------------------------------------------------------------------------

class Subscribers {
  private readonly child = fork(join(__dirname, 'api', 'subscribers.js'), [], { execArgv: ['--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  ask<T>(command: Command): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (message: { type: string; error?: string }) => (message.type === 'failed' ? reject(new Error(message.error)) : resolve(message as T)));
      this.child.send(command);
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies Command);
    await Promise.race([exited, sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

async function watchedExperiment(server: RunningServer, name: string, seed: number, trials = WATCHED_TRIALS): Promise<string> {
  const definition: unknown = JSON.parse(readFileSync(join(ROOT, 'examples', 'nb201-cell.json'), 'utf8'));
  const space = await data<{ createSearchSpace: { id: string } }>(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "watched", definition: $d }) { id } }`, { d: definition });
  const input = { name, searchSpaceId: space.createSearchSpace.id, strategy: { type: 'random' }, evaluator: { type: 'tabular' }, budget: { maxTrials: trials, parallelTrials: 4 }, seed };
  const created = await data<{ createExperiment: { id: string } }>(server.url, `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`, { input });
  return created.createExperiment.id;
}

/** Starts the experiment and returns its run time: from the mutation to an end status. */
async function runToEnd(server: RunningServer, id: string, limitMs = 180_000): Promise<number> {
  const started = performance.now();
  await data(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
  for (;;) {
    const e = await server.services.storage.experiments.findById(id);
    if (e !== null && e.status !== 'RUNNING' && e.status !== 'CREATED') return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`experiment ${id} still ${e?.status} after ${limitMs} ms`);
    await sleep(20);
  }
}

/** The TRIAL_UPDATED event ids of the log above `after`: what every subscriber must end with. */
async function logged(server: RunningServer, id: string, after = 0): Promise<number[]> {
  const ids: number[] = [];
  for (let cursor = after; ; ) {
    const batch = await server.services.storage.events.listAfter(id, cursor, 500);
    for (const e of batch) if (e.topic === 'TRIAL_UPDATED') ids.push(e.id);
    if (batch.length < 500) return ids;
    cursor = batch.at(-1)!.id;
  }
}

async function eventIdOf(url: string, id: string): Promise<number> {
  return (await data<{ experiment: { eventId: number } }>(url, `query($id: ID!) { experiment(id: $id) { eventId } }`, { id })).experiment.eventId;
}

interface FanOut {
  readonly replica: string;
  readonly asked: number;
  readonly opened: number;
  readonly failedToOpen: number;
  readonly firstOpenError: string | null;
  readonly openSeconds: number;
  readonly events: number;
  readonly check: Check;
  readonly waitedForAll: boolean;
  readonly runMsWithout: number[];
  readonly runMsWith: number;
  readonly slowdown: number;
  /** Of the replica's process (the heap where it is this process). */
  readonly serverMemory: { readonly beforeMB: number; readonly withSubscribersMB: number; readonly peakMB: number; readonly heapPeakMB: number | null };
  /** WebSocket connections the replica counted once every event was delivered. */
  readonly connections: number;
}

async function fanOut(runner: RunningServer, replica: Replica, replicaName: string, n: number): Promise<FanOut> {
  const without: number[] = [];
  without.push(await runToEnd(runner, await watchedExperiment(runner, 'alone 1', 11)));
  const id = await watchedExperiment(runner, 'watched', 11);
  const subscribers = new Subscribers();
  try {
    global.gc?.();
    const before = replica.memory();
    const t0 = performance.now();
    const opened = await subscribers.ask<{ opened: number; failed: number; firstError: string | null }>({ type: 'open', url: replica.url, experimentId: id, n, after: await eventIdOf(replica.url, id) });
    const openSeconds = (performance.now() - t0) / 1000;
    console.log(`  ${opened.opened} of ${n} subscribers open on ${replicaName} in ${openSeconds.toFixed(1)} s${opened.failed ? ` (${opened.failed} failed: ${opened.firstError})` : ''}`);
    await sleep(500);
    const withSubscribers = replica.memory();
    let peak = withSubscribers;
    const sampler = setInterval(() => {
      const m = replica.memory();
      if (m.rssMB > peak.rssMB) peak = m;
    }, 200);
    const runMsWith = await runToEnd(runner, id);
    const expected = await logged(runner, id);
    const waited = await subscribers.ask<{ ready: number; min: number }>({ type: 'waitFor', count: expected.length, timeoutMs: 120_000 });
    clearInterval(sampler);
    const connections = await replica.connections();
    const { check } = await subscribers.ask<{ check: Check }>({ type: 'check', expected });
    without.push(await runToEnd(runner, await watchedExperiment(runner, 'alone 2', 11)));
    const base = without.reduce((a, b) => a + b, 0) / without.length;
    return {
      replica: replicaName,
      asked: n,
      opened: opened.opened,
      failedToOpen: opened.failed,
      firstOpenError: opened.firstError,
      openSeconds,
      events: expected.length,
      check,
      waitedForAll: waited.ready === opened.opened,
      runMsWithout: without,
      runMsWith,
      slowdown: runMsWith / base,
      serverMemory: { beforeMB: before.rssMB, withSubscribersMB: withSubscribers.rssMB, peakMB: peak.rssMB, heapPeakMB: peak.heapMB },
      connections,
    };
  } finally {
    await subscribers.close();
  }
}

interface Storm {
  readonly clients: number;
  readonly opened: number;
  readonly reconnected: number;
  readonly events: number;
  readonly receivedBeforeDrop: number;
  readonly check: Check;
}

async function storm(runner: RunningServer, replica: Replica, n: number): Promise<Storm> {
  const id = await watchedExperiment(runner, 'storm', 12, 60);
  const subscribers = new Subscribers();
  try {
    const opened = await subscribers.ask<{ opened: number }>({ type: 'open', url: replica.url, experimentId: id, n, after: await eventIdOf(replica.url, id) });
    const run = runToEnd(runner, id);
    // Dropped once every client has some of the events and the experiment is still going.
    const before = await subscribers.ask<{ min: number }>({ type: 'waitFor', count: 30, timeoutMs: 60_000 });
    const dropped = await subscribers.ask<{ opened: number }>({ type: 'drop' });
    await run;
    const expected = await logged(runner, id);
    await subscribers.ask({ type: 'waitFor', count: expected.length, timeoutMs: 120_000 });
    const { check } = await subscribers.ask<{ check: Check }>({ type: 'check', expected });
    return { clients: n, opened: opened.opened, reconnected: dropped.opened, events: expected.length, receivedBeforeDrop: before.min, check };
  } finally {
    await subscribers.close();
  }
}

// ---- one database ---------------------------------------------------------------------------

interface Throughput {
  readonly operation: string;
  readonly bytes: number;
  readonly reference: { readonly rps: number; readonly failures: number; readonly latency: Percentiles };
  readonly ours: { readonly rps: number; readonly failures: number; readonly latency: Percentiles };
  readonly ratio: number;
}

interface BackendResult {
  readonly backend: string;
  readonly throughput: Throughput[];
  readonly big: { readonly trials: number; readonly seedSeconds: number; readonly latency: { operation: string; p50: number; p99: number; n: number }[]; readonly explain: Explained[] };
  readonly fanOut: FanOut | { readonly error: string };
  readonly storm: Storm | { readonly error: string };
}

async function measureThroughput(server: RunningServer, experimentId: string): Promise<Throughput[]> {
  const operations = [
    { operation: 'dashboard list (experiments(first: 20) with status, counts, best trial)', query: LIST_QUERY, variables: { first: EXPERIMENTS } as Record<string, unknown>, field: 'experiments' },
    { operation: 'trials(first: 50, orderBy: REWARD_DESC) of one experiment', query: TRIAL_PAGE, variables: { id: experimentId, ...TRIALS_VARIABLES }, field: 'experiment' },
  ];
  const recorded: Record<string, unknown> = {};
  const bodies: string[] = [];
  for (const o of operations) {
    const text = await post(server.url, o.query, o.variables);
    bodies.push(text);
    recorded[o.field] = (JSON.parse(text) as { data: Record<string, unknown> }).data[o.field];
  }
  const reference = await startReference(await createSchema(server.services), recorded);
  try {
    const rows: Throughput[] = [];
    for (const [i, o] of operations.entries()) {
      const body = JSON.stringify({ query: o.query, variables: o.variables });
      const same = await post(reference.url, o.query, o.variables);
      if (same !== bodies[i]) throw new Error(`the reference does not answer the same bytes for ${o.operation}:\n${same.slice(0, 300)}\n${bodies[i]!.slice(0, 300)}`);
      const job = (url: string, durationMs: number): LoadJob => ({ url, body, concurrency: CONCURRENCY, durationMs });
      // Warm both (JIT, connection pools), then measure each in turn.
      await load(job(reference.url, 1000), same.length);
      await load(job(server.url, 1000), same.length);
      const ref = await load(job(reference.url, LOAD_MS), same.length);
      const ours = await load(job(server.url, LOAD_MS), same.length);
      const row: Throughput = {
        operation: o.operation,
        bytes: same.length,
        reference: { rps: ref.requests / ref.seconds, failures: ref.failures, latency: percentiles(ref.latencies) },
        ours: { rps: ours.requests / ours.seconds, failures: ours.failures, latency: percentiles(ours.latencies) },
        ratio: ours.requests / ours.seconds / (ref.requests / ref.seconds),
      };
      console.log(`  ${o.operation}: ours ${row.ours.rps.toFixed(0)} rps, reference ${row.reference.rps.toFixed(0)} rps, ratio ${row.ratio.toFixed(2)}`);
      rows.push(row);
    }
    return rows;
  } finally {
    await reference.close();
  }
}

async function measureBig(server: RunningServer, spaceId: string): Promise<BackendResult['big']> {
  const t0 = performance.now();
  const id = await experimentWithTrials(server, spaceId, 'big', 1, 0);
  await bulkTrials(server, id, BIG);
  console.log(`  bulk insert done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`  ${BIG} trials in one experiment in ${seedSeconds.toFixed(1)} s`);
  const operations: { operation: string; query: string; variables: Record<string, unknown> }[] = [
    { operation: 'leaderboard(top: 10)', query: LEADERBOARD, variables: { id } },
    ...['REWARD_DESC', 'REWARD_ASC', 'SEQUENCE_ASC', 'SEQUENCE_DESC', 'CREATED_AT_DESC'].map((orderBy) => ({ operation: `trials(first: 50, orderBy: ${orderBy})`, query: TRIAL_PAGE, variables: { id, ...TRIALS_VARIABLES, orderBy } })),
    { operation: 'trials(first: 50, status: [FAILED], orderBy: SEQUENCE_DESC)', query: TRIAL_PAGE, variables: { id, ...TRIALS_VARIABLES, orderBy: 'SEQUENCE_DESC', status: ['FAILED'] } },
    { operation: 'trials(first: 50, duplicates: EXCLUDE, orderBy: REWARD_DESC)', query: TRIAL_PAGE, variables: { id, ...TRIALS_VARIABLES, duplicates: 'EXCLUDE' } },
    { operation: 'trials(first: 50, duplicates: ONLY)', query: TRIAL_PAGE, variables: { id, ...TRIALS_VARIABLES, orderBy: 'SEQUENCE_ASC', duplicates: 'ONLY' } },
  ];
  // The second page too: a keyset cursor is where an index that only serves the first page shows.
  const firstPage = await data<{ experiment: { trials: { pageInfo: { endCursor: string } } } }>(server.url, TRIAL_PAGE, { id, ...TRIALS_VARIABLES });
  operations.push({ operation: 'trials(first: 50, orderBy: REWARD_DESC, after: <page 1>)', query: TRIAL_PAGE, variables: { id, ...TRIALS_VARIABLES, after: firstPage.experiment.trials.pageInfo.endCursor } });
  const capture = captureStatements(server);
  const latency: { operation: string; p50: number; p99: number; n: number }[] = [];
  const plans: Explained[] = [];
  for (const o of operations) {
    const statements = await capture.run(() => data(server.url, o.query, o.variables));
    const times: number[] = [];
    const until = performance.now() + 1500;
    while (performance.now() < until && times.length < 300) {
      const t = performance.now();
      await post(server.url, o.query, o.variables);
      times.push(performance.now() - t);
    }
    const p = percentiles(times);
    latency.push({ operation: o.operation, ...p });
    plans.push(...(await explain(server, o.operation, statements)));
    console.log(`  ${o.operation}: p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`);
  }
  return { trials: BIG, seedSeconds, latency, explain: plans };
}

async function onBackend(name: 'pglite' | 'postgres', config: Config): Promise<BackendResult> {
  // GRAPHNAS_BENCH_LOG=warn (or error, info) shows what the servers log, on stderr.
  const logger = createLogger(process.env.GRAPHNAS_BENCH_LOG ?? 'silent', { pretty: false, destination: process.stderr });
  const server = await startServer(config, logger);
  // PostgreSQL: a second replica on the same database that runs no scheduler, in a process of its own, where the subscribers connect.
  const other = name === 'postgres' ? await spawnReplica(config) : null;
  try {
    console.log(`${name}: seeding ${EXPERIMENTS} experiments × ${TRIALS} trials …`);
    const spaceId = await createSpace(server.url);
    const ids: string[] = [];
    for (let e = 0; e < EXPERIMENTS; e++) {
      const id = await experimentWithTrials(server, spaceId, `bench ${e}`, TRIALS, e);
      await finishSome(server, id);
      ids.push(id);
    }
    const throughput = PHASES.has('throughput') ? await measureThroughput(server, ids[0]!) : [];
    const big = PHASES.has('big') ? await measureBig(server, spaceId) : { trials: 0, seedSeconds: 0, latency: [], explain: [] };
    let fan: FanOut | { error: string } = { error: 'not run' };
    if (PHASES.has('fanout')) try {
      fan = await fanOut(server, other ?? inThisProcess(server), other ? `a replica that does not run the experiment (${other.where})` : 'the replica that runs the experiment', SUBSCRIBERS);
      console.log(`  fan-out: ${JSON.stringify({ ...fan, check: { ...fan.check } })}`);
    } catch (error) {
      fan = { error: String(error) };
      console.log(`  fan-out failed: ${fan.error}`);
    }
    let stormed: Storm | { error: string } = { error: 'not run' };
    if (PHASES.has('storm')) try {
      stormed = await storm(server, other ?? inThisProcess(server), STORM);
      console.log(`  storm: ${JSON.stringify(stormed)}`);
    } catch (error) {
      stormed = { error: String(error) };
      console.log(`  storm failed: ${stormed.error}`);
    }
    return { backend: name, throughput, big, fanOut: fan, storm: stormed };
  } finally {
    await other?.close();
    await server.close();
  }
}

// ---- report ---------------------------------------------------------------------------------

function markdown(result: { at: string; machine: string; node: string; loadAverage: number[]; fdLimit: string; backends: BackendResult[] }): string {
  const f = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '—');
  const lines = [
    '# bench:api',
    '',
    `${result.at}, ${result.machine}, Node ${result.node}, load average ${result.loadAverage.map((l) => l.toFixed(1)).join(' / ')} at the start, open files limit ${result.fdLimit}. Generated by \`npm run bench:api\`.`,
    '',
    '**Caveat: two CPU cores.** The load generator, the subscribers, the servers (and PostgreSQL) share them with whatever else the machine runs (the load average above says how busy it was). Read the ratios (each measured in one window against its reference), not the absolute numbers.',
    '',
  ];
  for (const b of result.backends) {
    lines.push(`## ${b.backend}`, '', `### Throughput at ${CONCURRENCY} requests in flight, ${LOAD_MS / 1000} s each, vs bare Apollo Server 5 + express 5 answering the same bytes`, '');
    lines.push('| operation | bytes | reference rps | ours rps | ratio (target ≥ 0.5) | ours p50 / p99 ms | failures |', '|---|---|---|---|---|---|---|');
    for (const t of b.throughput) lines.push(`| ${t.operation} | ${t.bytes} | ${f(t.reference.rps, 0)} | ${f(t.ours.rps, 0)} | ${f(t.ratio, 2)} | ${f(t.ours.latency.p50)} / ${f(t.ours.latency.p99)} | ${t.ours.failures} |`);
    lines.push('', `### ${b.big.trials.toLocaleString('en')} trials in one experiment (seeded by SQL in ${f(b.big.seedSeconds)} s), one request at a time`, '');
    lines.push('| operation | n | p50 ms (target < 20) | p99 ms |', '|---|---|---|---|');
    for (const l of b.big.latency) lines.push(`| ${l.operation} | ${l.n} | ${f(l.p50)} | ${f(l.p99)} |`);
    lines.push('', 'EXPLAIN ANALYZE of the statements on `trial` those operations sent:', '', '| operation | statement | scans | index only on trial? | execution ms |', '|---|---|---|---|---|');
    for (const e of b.big.explain) lines.push(`| ${e.operation} | \`${e.sql.slice(0, 160).replace(/\|/g, '\\|')}…\` | ${e.scans.join('; ')} | ${e.indexed ? 'yes' : '**no**'} | ${f(e.executionMs, 2)} |`);
    lines.push('', '### Subscribers', '');
    if ('error' in b.fanOut) lines.push(`Failed: ${b.fanOut.error}`);
    else {
      const o = b.fanOut;
      const c = o.check;
      lines.push(
        `${o.opened.toLocaleString('en')} of ${o.asked.toLocaleString('en')} graphql-ws subscribers (\`trialUpdated\`) on ${o.replica}, opened in ${f(o.openSeconds)} s${o.failedToOpen ? `; ${o.failedToOpen} failed to open (${o.firstOpenError})` : ''}. The experiment: ${WATCHED_TRIALS} tabular trials, 4 in parallel, ${o.events} trial events.`,
        '',
        '| measure | value | target |',
        '|---|---|---|',
        `| clients with the complete, ordered list | ${c.complete} of ${c.clients} | all |`,
        `| events lost (all clients) | ${c.lost} (at most ${c.maxLostPerClient} of one client) | 0 |`,
        `| duplicates / out of order | ${c.duplicates} / ${c.outOfOrder} | 0 |`,
        `| subscriptions ended by the server (resumed with \`after\`) | ${JSON.stringify(c.ends)} | |`,
        `| sockets closed under a client | ${JSON.stringify(c.closes)} | none |`,
        `| delay commit → receipt, p50 / p99 / max (ms) | ${f(c.delayMs.p50, 0)} / ${f(c.delayMs.p99, 0)} / ${f(c.delayMs.max, 0)} | p99 < 250 |`,
        `| experiment run time without subscribers (before, after) | ${o.runMsWithout.map((x) => f(x, 0)).join(' ms, ')} ms | |`,
        `| with them | ${f(o.runMsWith, 0)} ms: ${f(o.slowdown, 2)}× | ≤ 1.25× |`,
        `| server process RSS: before, subscribers open, peak while delivering (heap at peak) | ${f(o.serverMemory.beforeMB, 0)} / ${f(o.serverMemory.withSubscribersMB, 0)} / ${f(o.serverMemory.peakMB, 0)} MB (${o.serverMemory.heapPeakMB === null ? 'heap not read' : `${f(o.serverMemory.heapPeakMB, 0)} MB`}) | reported |`,
        `| subscriber process RSS | ${f(c.rssBytes / 2 ** 20, 0)} MB | |`,
        '',
        'The delay is measured from the trial\'s `updatedAt`, set inside the transaction that commits the change, to the client\'s receipt: an upper bound of commit → receipt, on one clock.',
      );
    }
    lines.push('', '### Reconnect storm', '');
    if ('error' in b.storm) lines.push(`Failed: ${b.storm.error}`);
    else {
      const s = b.storm;
      lines.push(
        `${s.opened} of ${s.clients} subscribers, each dropped (socket terminated, no close handshake) after at least ${s.receivedBeforeDrop} events, all at once, and resubscribed \`after\` its last event id (${s.reconnected} reconnected); ${s.events} trial events in all. **${s.check.complete} of ${s.check.clients}** ended with the complete, ordered list (lost ${s.check.lost}, duplicates ${s.check.duplicates}, out of order ${s.check.outOfOrder}).`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const loadAverage = loadavg();
  const fdLimit = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))?.replace(/\s+/g, ' ') ?? 'unknown';
  const base: Config = {
    ...loadConfig({}),
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    dbPoolSize: 8,
    auth: 'off',
    // The load and the subscribers come from one caller: the rate limit would be what is measured.
    limits: { ...loadConfig({}).limits, rateLimit: 0 },
  };
  const backends: BackendResult[] = [];
  // Written after each database, so that a run cut short still leaves what it measured.
  const write = (): void => {
    const result = { at: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`, node: process.version, loadAverage, fdLimit, backends };
    const md = markdown(result);
    console.log(`\n${md}`);
    if (!WRITE) return;
    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'api.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(dir, 'api.md'), md);
    console.log(`wrote ${join(dir, 'api.json')} and api.md`);
  };
  if (ONLY === undefined || ONLY === 'pglite') {
    backends.push(await onBackend('pglite', { ...base, databaseUrl: null, dataDir: null }));
    write();
  }
  if (ONLY === undefined || ONLY === 'postgres') {
    const schema = `bench_api_${randomBytes(4).toString('hex')}`;
    try {
      backends.push(await onBackend('postgres', { ...base, databaseUrl: DATABASE_URL, databaseSchema: schema }));
      write();
    } finally {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
