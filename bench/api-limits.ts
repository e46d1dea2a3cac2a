/**
 * `npm run bench:limits`: what the API's limits do, on HTTP and WebSocket, measured on a
 * real server in this process (embedded database in memory, 20 experiments of 250
 * trials, no scheduler), every load on loopback and bounded in count.
 *
 * - Each limit at its value and one past it: the answer (or its code) and the time.
 * - Each attack of issue 13 (the fragment fan-out, the nested 48 MB query, the alias
 *   bomb, a 990k-element inline literal, a 10 MB body): the code it is refused with,
 *   the time to refusal, and the p99 of a `{ __typename }` probe sent meanwhile by
 *   another caller. Times are given as ratios to a baseline run in the same process:
 *   the probe's p50 and p99 on the idle server; the same probe against a bare Apollo
 *   (same schema and services, no guard) shows what the guard itself costs.
 *
 * Writes bench/results/limits.json and limits.md; `--quick` (fewer repetitions) writes
 * nothing unless `--write` is given.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { Worker } from 'node:worker_threads';
import { loadConfig, type ApiLimits } from '../src/config.js';
import { LOCAL } from '../src/graphql/auth/authenticator.js';
import type { GraphQLContext } from '../src/graphql/common/context.js';
import { createLoaders } from '../src/graphql/loaders.js';
import { createSchema } from '../src/graphql/schema.js';
import { insertTrials } from '../src/core/trials/new-trials.js';
import { createLogger } from '../src/logger.js';
import { startServer, type RunningServer } from '../src/server.js';
import { compileSpace } from '../src/space/index.js';
import { httpOperation, overWebSocket, type Answer, type AttackJob, type Client } from './limits/clients.js';
import { percentiles, type Percentiles } from './percentiles.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const WRITE = args.includes('--write') || (!QUICK && !args.includes('--no-write'));
/** How long each attack is repeated, back to back, with the probe running throughout; and at most how often. */
const ATTACK_MS = QUICK ? 1000 : 5000;
const MAX_ATTACKS = 1000;
const BASELINE_MS = QUICK ? 1500 : 8000;
const EXPERIMENTS = 20;
const TRIALS = 250;

const median = (values: readonly number[]): number => percentiles(values).p50;

/** `{ __typename }` every few milliseconds from its own caller until stopped: what another client sees meanwhile. */
function probe(client: Client): { stop(): Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      latencies.push((await httpOperation(client, '{ __typename }')).ms);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

/** The same probe against two servers in turn, in one window, so that both see the same load. */
async function pairedLatencies(a: Client, b: Client): Promise<[number[], number[]]> {
  const [onA, onB]: [number[], number[]] = [[], []];
  const until = performance.now() + BASELINE_MS;
  while (performance.now() < until) {
    onA.push((await httpOperation(a, '{ __typename }')).ms);
    onB.push((await httpOperation(b, '{ __typename }')).ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  return [onA, onB];
}

async function idleLatencies(client: Client): Promise<number[]> {
  const p = probe(client);
  await new Promise((r) => setTimeout(r, BASELINE_MS));
  return p.stop();
}

/** The same schema and services behind a bare Apollo, no guard or limits: the reference for the guard's own cost. */
async function bareApollo(server: RunningServer): Promise<{ url: string; close(): Promise<void> }> {
  const schema = await createSchema(server.services);
  const apollo = new ApolloServer<GraphQLContext>({ schema });
  await apollo.start();
  const app = express();
  app.use(
    '/graphql',
    express.json({ limit: '50mb' }),
    expressMiddleware(apollo, {
      context: async () => ({ services: server.services, principal: LOCAL, requestId: 'bare', transport: 'http' as const, loaders: createLoaders(server.services) }),
    }),
  );
  const http: Server = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      await apollo.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

async function seed(server: RunningServer, admin: Client): Promise<string[]> {
  const definition = { cell: { nodes: 4, ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] } };
  const created = await httpJson<{ createSearchSpace: { id: string } }>(admin, `mutation($d: JSON!) { createSearchSpace(input: { name: "bench", definition: $d }) { id } }`, { d: definition });
  const compiled = compileSpace(definition);
  if (!compiled.ok) throw new Error('the bench space does not compile');
  const { space } = compiled;
  const ids: string[] = [];
  for (let e = 0; e < EXPERIMENTS; e++) {
    const experiment = await httpJson<{ createExperiment: { id: string } }>(
      admin,
      `mutation($s: ID!, $n: String!) { createExperiment(input: { name: $n, searchSpaceId: $s, evaluator: { type: "external" }, budget: { maxTrials: ${TRIALS}, parallelTrials: ${TRIALS} } }) { id } }`,
      { s: created.createSearchSpace.id, n: `bench ${e}` },
    );
    const id = experiment.createExperiment.id;
    const trials = Array.from({ length: TRIALS }, (_, i) => {
      const actions = [i % 5, Math.floor(i / 5) % 5, Math.floor(i / 25) % 5, Math.floor(i / 125) % 5, e % 5, 0];
      const architecture = space.decode(actions);
      return { actions, architecture, label: space.label(architecture), fingerprint: space.fingerprint(architecture), policyVersion: 0, logProb: -3 };
    });
    await server.services.storage.transaction(async (tx) => insertTrials(tx, (await tx.experiments.findById(id, { forUpdate: true }))!, trials, new Date()));
    ids.push(id);
  }
  return ids;
}

async function httpJson<T>(client: Client, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(client.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${client.token}` }, body: JSON.stringify({ query, variables }) });
  const json = (await response.json()) as { data?: T; errors?: unknown };
  if (json.data === undefined || json.errors !== undefined) throw new Error(`seeding failed: ${JSON.stringify(json.errors)}`);
  return json.data;
}

// ---- the operations -------------------------------------------------------------------

function nested(depth: number): string {
  const cycle = ['trials', 'edges', 'node', 'experiment'];
  const fields = ['experiment(id: $id)'];
  while (fields.length < depth - 1) fields.push(cycle[(fields.length - 1) % cycle.length]!);
  return `query($id: ID!) { ${fields.join(' { ')} { __typename }${' }'.repeat(fields.length - 1)} }`;
}
const aliased = (n: number): string => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
const directives = (n: number): string => `{ viewer { ${'role @include(if: true) '.repeat(n)}} }`;
const tokens = (n: number): string => `{ validateSearchSpace(definition: [${'1, '.repeat(n - 12)}]) { valid } }`;
/** 2 + 6 × (3 + 2·$t): 5,000 at $t = 415. */
const COSTLY = `query($t: Int) { viewer { role } experiments(first: 6) { edges { node { trials(first: $t) { edges { node { id } } } } } } }`;

function fanOut(bytes: number): string {
  for (let n = 1; ; n++) {
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const query = `query { ...F0 }\n${fragments}\nfragment F${n} on Query { experiments { totalCount } }`;
    if (query.length >= bytes) return query;
  }
}

interface Attack {
  readonly name: string;
  readonly what: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** A body sent as it is instead of `{ query, variables }`. */
  readonly rawBody?: string;
}

function attacks(experiment: string): Attack[] {
  const bomb = `query($id: ID!) { experiment(id: $id) { ${Array.from({ length: 300 }, (_, i) => `a${i}: trials(first: 500) { edges { node { id label } } }`).join(' ')} } }`;
  const literal = `{ validateSearchSpace(definition: [${'1,'.repeat(990_000)}]) { valid } }`;
  const huge = JSON.stringify({ query: `{ validateSearchSpace(definition: "${'x'.repeat(10 * 1024 * 1024)}") { valid } }` });
  const fan = fanOut(900);
  return [
    { name: '`{ __typename }` flood (reference)', what: 'no attack: the cheapest operation, sent back to back the same way, for what any busy caller does to the probe', query: '{ __typename }', variables: {} },
    { name: 'fragment fan-out', what: `${fan.length} B, each of its fragments spreads the next one twice`, query: fan, variables: {} },
    {
      name: 'nested 48 MB query',
      what: `experiments(first: ${EXPERIMENTS}) > trials($n = 500) > experiment > trials($n), over ${EXPERIMENTS} experiments of ${TRIALS} trials`,
      query: `query($n: Int) { experiments(first: ${EXPERIMENTS}) { edges { node { trials(first: $n) { edges { node { experiment { trials(first: $n) { edges { node { id label architecture } } } } } } } } } } }`,
      variables: { n: 500 },
    },
    {
      name: 'nested, within the depth limit',
      what: `experiments(first: ${EXPERIMENTS}) > trials($n = 500) > experiment: the cost limit, which reads $n, refuses it`,
      query: `query($n: Int) { experiments(first: ${EXPERIMENTS}) { edges { node { trials(first: $n) { edges { node { experiment { name } } } } } } } }`,
      variables: { n: 500 },
    },
    { name: 'alias bomb', what: '300 aliased trials(first: 500) of one experiment', query: bomb, variables: { id: experiment } },
    { name: '990k-element literal', what: `${(literal.length / 1e6).toFixed(2)} MB inline list`, query: literal, variables: {} },
    { name: '10 MB body', what: `${(huge.length / 1e6).toFixed(1)} MB JSON`, query: JSON.parse(huge).query as string, variables: {}, rawBody: huge },
  ];
}

interface LimitRow {
  readonly limit: string;
  readonly value: number;
  readonly at: { readonly http: Answer; readonly ws: Answer };
  readonly past: { readonly http: Answer; readonly ws: Answer };
}

async function limitRows(client: Client, limits: ApiLimits, experiment: string): Promise<LimitRow[]> {
  const both = async (query: string, variables: Record<string, unknown> = {}) => ({ http: await httpOperation(client, query, variables), ws: await overWebSocket(client, query, variables) });
  const id = { id: experiment };
  return [
    { limit: 'depth', value: limits.maxDepth, at: await both(nested(limits.maxDepth), id), past: await both(nested(limits.maxDepth + 1), id) },
    { limit: 'aliases', value: limits.maxAliases, at: await both(aliased(limits.maxAliases)), past: await both(aliased(limits.maxAliases + 1)) },
    { limit: 'directives', value: limits.maxDirectives, at: await both(directives(limits.maxDirectives)), past: await both(directives(limits.maxDirectives + 1)) },
    { limit: 'tokens', value: limits.maxTokens, at: await both(tokens(limits.maxTokens)), past: await both(tokens(limits.maxTokens + 1)) },
    { limit: 'cost', value: limits.maxCost, at: await both(COSTLY, { t: 415 }), past: await both(COSTLY, { t: 416 }) },
  ];
}

/** The rate limit: one caller's operations up to the limit, then one more on each transport. */
async function rateRow(client: Client, limits: ApiLimits): Promise<{ value: number; window: number; fillMs: number; lastWithin: Answer; http: Answer; ws: Answer }> {
  const started = performance.now();
  let last: Answer = { outcome: 'none', ms: 0 };
  for (let sent = 0; sent < limits.rateLimit; sent += 10) {
    const batch = await Promise.all(Array.from({ length: Math.min(10, limits.rateLimit - sent) }, () => httpOperation(client, '{ __typename }')));
    last = batch.at(-1)!;
  }
  const fillMs = performance.now() - started;
  return { value: limits.rateLimit, window: limits.rateWindowSeconds, fillMs, lastWithin: last, http: await httpOperation(client, '{ __typename }'), ws: await overWebSocket(client, '{ __typename }') };
}

interface AttackRow {
  readonly attack: string;
  readonly what: string;
  readonly transport: 'http' | 'ws';
  readonly outcome: string;
  readonly status?: number;
  readonly attacks: number;
  readonly refusalMs: number;
  readonly refusalRatio: number;
  readonly probe: Percentiles;
  readonly probeP99Ratio: number;
}

function attackFromThread(job: AttackJob): Promise<Answer[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'limits', 'attacker.worker.js'), { workerData: job });
    worker.once('message', (message: { answers?: Answer[]; error?: string }) => {
      void worker.terminate();
      if (message.answers) resolve(message.answers);
      else reject(new Error(message.error));
    });
    worker.once('error', reject);
  });
}

async function runAttack(attack: Attack, transport: 'http' | 'ws', attacker: Client, prober: Client): Promise<{ answers: Answer[]; probe: number[] }> {
  const p = probe(prober);
  const answers = await attackFromThread({ client: attacker, transport, query: attack.query, variables: attack.variables, rawBody: attack.rawBody, durationMs: ATTACK_MS, max: MAX_ATTACKS });
  return { answers, probe: await p.stop() };
}

function attackRow(attack: Attack, transport: 'http' | 'ws', answers: readonly Answer[], latencies: readonly number[], idle: Percentiles): AttackRow {
  const probed = percentiles(latencies);
  const refusalMs = median(answers.map((a) => a.ms));
  return {
    attack: attack.name,
    what: attack.what,
    transport,
    outcome: [...new Set(answers.map((a) => a.outcome))].join(' / '),
    status: answers[0]?.status,
    attacks: answers.length,
    refusalMs,
    refusalRatio: refusalMs / idle.p50,
    probe: probed,
    probeP99Ratio: probed.p99 / idle.p99,
  };
}

function markdown(result: ReturnType<typeof summary>): string {
  const f = (x: number, digits = 1): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');
  const answer = (a: Answer): string => `${a.outcome}${a.status !== undefined ? ` (${a.status})` : ''}, ${f(a.ms)} ms`;
  const lines = [
    '# bench:limits',
    '',
    `${result.at}, ${result.machine}, Node ${result.node}, load average ${result.loadAverage.map((l) => l.toFixed(1)).join(' / ')} at the start (a shared machine: read the ratios, not the milliseconds). Generated by \`npm run bench:limits\`.`,
    '',
    `One process: the server (embedded database in memory, ${EXPERIMENTS} experiments × ${TRIALS} trials, no scheduler, the rate limit off so that neither the prober nor the repeated attacks meet it; it is measured on a second server with the defaults) and a prober on a key of its own on the main thread, the attacker on a thread of its own (what it costs to build and send megabytes is its own, not the server's loop's), and for reference a bare Apollo over the same schema and services.`,
    '',
    '## Baseline: `{ __typename }`, one caller, the server otherwise idle',
    '',
    '| probe | n | p50 ms | p99 ms |',
    '|---|---|---|---|',
    `| graphnas (auth, guard, limits), before and after the attacks, pooled: the baseline of the ratios below | ${result.baseline.n} | ${f(result.baseline.p50, 2)} | ${f(result.baseline.p99, 2)} |`,
    `| graphnas, in turn with bare Apollo in one window | ${result.paired.n} | ${f(result.paired.p50, 2)} | ${f(result.paired.p99, 2)} |`,
    `| bare Apollo, same schema and services, no guard, in that window | ${result.bare.n} | ${f(result.bare.p50, 2)} | ${f(result.bare.p99, 2)} |`,
    '',
    `graphnas answers the trivial operation at ${f(result.paired.p50 / result.bare.p50, 2)}× bare Apollo's p50 (${f(result.paired.p99 / result.bare.p99, 2)}× its p99), in the same window.`,
    '',
    '## Each limit at its value and one past it',
    '',
    '| limit | value | at the limit: HTTP | at the limit: WebSocket | one past: HTTP | one past: WebSocket |',
    '|---|---|---|---|---|---|',
    ...result.limits.map((r) => `| ${r.limit} | ${r.value} | ${answer(r.at.http)} | ${answer(r.at.ws)} | ${answer(r.past.http)} | ${answer(r.past.ws)} |`),
    `| rate | ${result.rate.value} per ${result.rate.window} s per principal | the ${result.rate.value}th: ${answer(result.rate.lastWithin)} (all ${result.rate.value} in ${f(result.rate.fillMs, 0)} ms) | | next: ${answer(result.rate.http)} | next: ${answer(result.rate.ws)} |`,
    '',
    'Depth counts fields as the response nests (fragments add no level); graphql-armor’s default of 6 would leave a Relay connection (`edges > node`) no room for another inside it, so the default is 8. Tokens are counted while the document is parsed; cost by graphql-query-complexity with the variables (objects 1, scalars 0, lists × `first`, default page 50).',
    '',
    `## Attacks: each sent back to back for ${ATTACK_MS / 1000} s, a \`{ __typename }\` probe from another caller meanwhile`,
    '',
    ...result.attackList.map((a) => `- **${a.name}**: ${a.what}`),
    '',
    '| attack | transport | refused with | sent | time to refusal, median ms | × idle probe p50 | probe during: n, p50, p99 ms | probe p99 × idle p99 |',
    '|---|---|---|---|---|---|---|---|',
    ...result.attacks.map(
      (r) =>
        `| ${r.attack} | ${r.transport === 'http' ? 'HTTP' : 'WebSocket'} | ${r.outcome}${r.status !== undefined ? ` (${r.status})` : ''} | ${r.attacks} | ${f(r.refusalMs)} | ${f(r.refusalRatio)} | ${r.probe.n}, ${f(r.probe.p50, 2)}, ${f(r.probe.p99, 2)} | ${f(r.probeP99Ratio, 2)} |`,
    ),
    '',
    'Before the limits (issue 13, same kind of machine): the fan-out blocked the event loop for 18.6 s (bare Apollo: 19 ms), the nested query returned up to 48 MB and exhausted the database pool, the alias bomb kept the server busy for 15 s, the 990k literal blocked the loop for 5 s, and the 10 MB body was answered with an HTML page.',
    '',
  ];
  return lines.join('\n');
}

function summary(
  rows: { baseline: Percentiles; paired: Percentiles; bare: Percentiles; limits: LimitRow[]; rate: Awaited<ReturnType<typeof rateRow>>; attackList: { name: string; what: string }[]; attacks: AttackRow[] },
  loadAverage: number[],
) {
  return {
    at: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
    node: process.version,
    loadAverage,
    attackMs: ATTACK_MS,
    ...rows,
  };
}

async function main(): Promise<void> {
  const loadAverage = loadavg();
  const config = { ...loadConfig({}), host: '127.0.0.1', port: 0, dataDir: null, databaseUrl: null, scheduler: false, logLevel: 'silent' };
  const logger = createLogger('silent', { pretty: false });
  // The prober sends far more than 600 operations in 10 s, and the attacks are measured
  // as an attacker would meet them with a key of its own each time: without the rate
  // limit, which has a server of its own below.
  const server = await startServer({ ...config, limits: { ...config.limits, rateLimit: 0 } }, logger);
  const rated = await startServer(config, logger);
  const bare = await bareApollo(server);
  try {
    const key = async (on: RunningServer, name: string): Promise<Client> => ({ url: on.url, token: (await on.services.keys.create({ name, role: 'admin', project: null }, 'bench')).token });
    const admin = await key(server, 'seeder');
    const attacker = await key(server, 'attacker');
    const prober = await key(server, 'prober');
    const limiter = await key(rated, 'rate');
    console.log(`seeding ${EXPERIMENTS} experiments × ${TRIALS} trials …`);
    const experiments = await seed(server, admin);
    const [idleBefore, bareLatencies] = await pairedLatencies(prober, { url: bare.url, token: '' });
    const paired = percentiles(idleBefore);
    const bareIdle = percentiles(bareLatencies);
    // Once to warm the code paths up, once measured.
    await limitRows(admin, config.limits, experiments[0]!);
    const limits = await limitRows(admin, config.limits, experiments[0]!);
    const rate = await rateRow(limiter, config.limits);
    const attackRows: AttackRow[] = [];
    const list = attacks(experiments[0]!);
    const measured: { attack: Attack; transport: 'http' | 'ws'; answers: Answer[]; probe: number[] }[] = [];
    for (const attack of list) {
      for (const transport of ['http', 'ws'] as const) {
        const run = await runAttack(attack, transport, attacker, prober);
        console.log(`${attack.name} over ${transport}: ${run.answers.length} sent, ${run.answers[0]?.outcome}`);
        measured.push({ attack, transport, ...run });
      }
    }
    // The idle baseline is taken before and after the attacks and pooled: on a shared
    // machine the load drifts, and one window alone would carry its drift into every ratio.
    const idle = percentiles([...idleBefore, ...(await idleLatencies(prober))]);
    console.log(`idle probe p50 ${idle.p50.toFixed(2)} ms, p99 ${idle.p99.toFixed(2)} ms (bare Apollo ${bareIdle.p50.toFixed(2)} / ${bareIdle.p99.toFixed(2)})`);
    for (const m of measured) attackRows.push(attackRow(m.attack, m.transport, m.answers, m.probe, idle));
    const result = summary({ baseline: idle, paired, bare: bareIdle, limits, rate, attackList: list.map(({ name, what }) => ({ name, what })), attacks: attackRows }, loadAverage);
    const md = markdown(result);
    console.log(`\n${md}`);
    if (WRITE) {
      const dir = join(__dirname, '..', '..', 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'limits.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(dir, 'limits.md'), md);
      console.log(`wrote ${join(dir, 'limits.json')} and limits.md`);
    }
  } finally {
    await bare.close();
    await rated.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
