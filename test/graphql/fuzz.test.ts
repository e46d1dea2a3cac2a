import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { insertTrials } from '../../src/core/trials/new-trials.js';
import { createSchema } from '../../src/graphql/schema.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { compileSpace } from '../../src/space/index.js';
import { backends, type Backend } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gqlOk, type GraphQLResponse } from '../helpers/graphql-client.js';
import { OP_MARK, generateOperation, type GeneratedOperation, type Pools } from './fuzz-operations.js';
import { WireClient, type WireOutcome } from './ws-wire.js';

/**
 * The API fuzzed with operations and variables generated from the schema (fast-check),
 * valid and broken, over both transports and both databases: GRAPHNAS_FUZZ_OPERATIONS in
 * all (default 10,000). PostgreSQL, where it answers, takes three quarters of them and
 * WebSocket three fifths: an operation costs PGlite (one connection, in wasm) and HTTP
 * about twice what it costs the others, and CI's two cores are what the fuzz must fit. Every answer must be well-formed: no 5xx, no
 * internal error, every error with a code, no stack trace or path in a message, no
 * WebSocket closed for an internal reason, nothing logged as an error; and nothing a
 * refused operation sent may have been stored. The seed is fixed (GRAPHNAS_FUZZ_SEED) so that a failure reproduces.
 */
const TOTAL = Number(process.env.GRAPHNAS_FUZZ_OPERATIONS ?? 10_000);
const SEED = Number(process.env.GRAPHNAS_FUZZ_SEED ?? 13);
/** Operations sent at once: the fuzz is about answers, not load, but latency would dominate one at a time. */
const BATCH = 25;
const MAX_BODY = 32 * 1024;

const LEAK = /\n\s+at |node_modules|\/work\/|\.[jt]s:\d+|<html|SELECT |INSERT |relation "/i;

type As = 'admin' | 'viewer' | 'worker' | 'none' | 'bogus';
const AS = fc.constantFrom<As>('admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'admin', 'viewer', 'worker', 'none', 'bogus');
type Envelope = 'json' | 'get' | 'text' | 'malformed' | 'array' | 'oversized' | 'route' | 'put' | 'empty';
const ENVELOPE = fc.oneof(
  { weight: 40, arbitrary: fc.constant<Envelope>('json') },
  { weight: 1, arbitrary: fc.constantFrom<Envelope>('get', 'text', 'malformed', 'array', 'oversized', 'route', 'put', 'empty') },
);
type Channel = 'shared' | 'garbage' | 'oversized' | 'viewer' | 'bogus';
const CHANNEL = fc.oneof({ weight: 40, arbitrary: fc.constant<Channel>('shared') }, { weight: 1, arbitrary: fc.constantFrom<Channel>('garbage', 'oversized', 'viewer', 'bogus') });

/** Closes that a client's own mistakes earn: bad message, unauthorised, duplicate id, message too big, normal. */
const CLIENT_CLOSES = new Set([1000, 1009, 4400, 4401, 4403, 4409]);

/** Whether the operation reached its resolvers: `refused` ones were stopped before anything ran. */
type Fate = 'ran' | 'refused';

function problemsOf(errors: readonly { message: string; extensions?: Record<string, unknown> }[] | undefined): string[] {
  const problems: string[] = [];
  for (const e of errors ?? []) {
    const code = e.extensions?.code;
    if (typeof code !== 'string' || code === '') problems.push(`an error without a code: ${JSON.stringify(e)}`);
    else if (code === 'INTERNAL_SERVER_ERROR') problems.push(`an internal error: ${JSON.stringify(e)}`);
    if (typeof e.message !== 'string' || LEAK.test(e.message)) problems.push(`a message that leaks: ${JSON.stringify(e.message)}`);
    if (e.extensions !== undefined && ('stacktrace' in e.extensions || 'http' in e.extensions)) problems.push(`extensions that leak: ${JSON.stringify(e.extensions)}`);
  }
  return problems;
}

const fateOfResponse = (status: number, body: GraphQLResponse): Fate =>
  status < 400 && ((body.data !== null && body.data !== undefined) || (body.errors ?? []).some((e) => e.path !== undefined)) ? 'ran' : 'refused';

describe('API fuzz: generated operations on both transports', async () => {
  const all = await backends();
  const weights = { pglite: 1, postgres: 3 };
  const share = (name: Backend['name']): number => weights[name] / all.filter((b) => b.skip === null).reduce((sum, b) => sum + weights[b.name], 0);
  const batches = (n: number): number => Math.max(1, Math.round(n / BATCH)) * BATCH;
  const schema = await createSchema(null);

  for (const backend of all) {
    const operations = backend.skip === null ? TOTAL * share(backend.name) : 0;
    const overHttp = batches(operations * 0.4);
    const overWs = batches(operations - overHttp);
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      const tokens = {} as Record<As, string | undefined>;
      let pools: Pools;
      const fates = new Map<number, Fate>();
      let sent = 0;
      let closes: number[] = [];
      /** What the server logged at error level or worse: a bug, whatever the client got. */
      const errorsLogged: string[] = [];

      before(async () => {
        server = await startServer(fuzzConfig(backend), createLogger('error', { pretty: false, destination: { write: (line: string) => errorsLogged.push(line) } }));
        for (const role of ['admin', 'viewer', 'worker'] as const) tokens[role] = (await server.services.keys.create({ name: `fuzz ${role}`, role, project: null }, 'fuzz')).token;
        tokens.none = undefined;
        tokens.bogus = 'gnk_not-a-key-at-all-but-shaped-like-one-000000000';
        pools = await seedPools(server, tokens.admin!, tokens.worker!);
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test(`HTTP: ${overHttp} operations answer well-formed, coded JSON, never a 5xx`, async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.record({ g: fc.gen(), envelope: ENVELOPE, as: AS }), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
            const results = await Promise.all(
              batch.map(async ({ g, envelope, as }) => {
                const n = ++sent;
                const op = generateOperation(g, schema, pools);
                const { status, body, problems } = await viaHttp(server.url, op, n, envelope, tokens[as]);
                fates.set(n, fateOfResponse(status, body));
                return problems.length === 0 ? null : `#${n} (${envelope}, as ${as}) ${describeOp(op)}:\n  ${problems.join('\n  ')}`;
              }),
            );
            const failures = results.filter((r) => r !== null);
            assert.deepEqual(failures, []);
          }),
          { numRuns: overHttp / BATCH, seed: SEED, endOnFailure: true },
        );
      });

      test(`WebSocket: ${overWs} operations answer coded errors, and no connection closes for an internal reason`, async () => {
        let shared = await WireClient.open(server.url, tokens.admin);
        try {
          await fc.assert(
            fc.asyncProperty(fc.array(fc.record({ g: fc.gen(), channel: CHANNEL }), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
              const results = await Promise.all(
                batch.map(async ({ g, channel }) => {
                  const n = ++sent;
                  const op = generateOperation(g, schema, pools);
                  const { outcome, close } = await viaWebSocket(server.url, shared, op, n, channel, tokens);
                  if (close !== null) closes.push(close);
                  const problems = [...problemsOf(outcome?.errors), ...(close !== null && !CLIENT_CLOSES.has(close) ? [`closed with ${close}`] : [])];
                  fates.set(n, outcome === null || outcome.end === 'error' ? 'refused' : 'ran');
                  return problems.length === 0 ? null : `#${n} (${channel}) ${describeOp(op)}:\n  ${problems.join('\n  ')}`;
                }),
              );
              if (shared.closeCode !== null) {
                results.push(`the shared connection closed with ${shared.closeCode}`);
                shared = await WireClient.open(server.url, tokens.admin);
              }
              assert.deepEqual(
                results.filter((r) => r !== null),
                [],
              );
            }),
            { numRuns: overWs / BATCH, seed: SEED + 1, endOnFailure: true },
          );
        } finally {
          await shared.close();
        }
        assert.ok(closes.every((c) => CLIENT_CLOSES.has(c)), `closes: ${closes.join(', ')}`);
        closes = [];
      });

      test('nothing that a refused operation sent was stored; the server still answers', async () => {
        assert.equal(fates.size, overHttp + overWs, 'every operation was answered');
        const stored: { name: string }[] = [];
        for (const table of ['search_space', 'experiment', 'api_key']) {
          stored.push(...((await server.database.dataSource.query(`SELECT name FROM ${table} WHERE name LIKE 'fz #%'`)) as { name: string }[]));
        }
        const byRefused = stored.filter((row) => fates.get(Number(/^fz #(\d+)/.exec(row.name)?.[1])) !== 'ran');
        assert.deepEqual(byRefused, [], 'rows whose operation was refused');
        const refused = [...fates.values()].filter((f) => f === 'refused').length;
        assert.ok(refused > fates.size / 4 && refused < (fates.size * 3) / 4, `${refused} of ${fates.size} refused: the fuzz reaches both sides`);
        assert.ok(stored.length > 0, 'some generated mutations were valid and stored their rows');
        await gqlOk(server.url, '{ __typename }', {}, { token: tokens.admin });
        assert.deepEqual(errorsLogged, [], 'nothing was logged as an error');
        console.log(`fuzz (${backend.name}): ${fates.size} operations (${overHttp} HTTP, ${overWs} WebSocket), ${refused} refused before running, ${fates.size - refused} ran, ${stored.length} rows stored by them`);
      });
    });
  }
});

function fuzzConfig(backend: Backend) {
  // The rate limit would answer most of a fuzz RATE_LIMITED (a test of its own covers
  // it); a small body limit makes oversized bodies cheap to send.
  return backend.config({ scheduler: false, maxBodyBytes: MAX_BODY, limits: { ...loadConfig({}).limits, rateLimit: 0 } });
}

/** A space, an external experiment with pending trials, one of them claimed: ids for the fuzz to hit. */
async function seedPools(server: RunningServer, admin: string, worker: string): Promise<Pools> {
  const as = { token: admin };
  const space = await gqlOk<{ createSearchSpace: { id: string } }>(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "pool", definition: $d }) { id } }`, { d: NB201_SPACE() }, as);
  const make = async (name: string): Promise<string> =>
    (
      await gqlOk<{ createExperiment: { id: string } }>(
        server.url,
        `mutation($s: ID!, $n: String!) { createExperiment(input: { name: $n, searchSpaceId: $s, evaluator: { type: "external" }, budget: { maxTrials: 20, parallelTrials: 4 } }) { id } }`,
        { s: space.createSearchSpace.id, n: name },
        as,
      )
    ).createExperiment.id;
  const running = await make('pool running');
  const created = await make('pool created');
  await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id: running }, as);
  const compiled = compileSpace(NB201_SPACE());
  if (!compiled.ok) throw new Error('the NB201 example does not compile');
  const { space: nb201 } = compiled;
  const trials = [0, 1, 2].map((i) => {
    const actions = [i, 1, 2, 3, 4, 0];
    const architecture = nb201.decode(actions);
    return { actions, architecture, label: nb201.label(architecture), fingerprint: nb201.fingerprint(architecture), policyVersion: 0, logProb: -3 };
  });
  const inserted = await server.services.storage.transaction(async (tx) => insertTrials(tx, (await tx.experiments.findById(running, { forUpdate: true }))!, trials, new Date()));
  const claimed = await gqlOk<{ claimTrial: { id: string } | null }>(server.url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "fuzz") { id } }`, { e: running }, { token: worker });
  return { ids: [space.createSearchSpace.id, running, created, ...inserted.map((t) => t.id), ...(claimed.claimTrial ? [claimed.claimTrial.id] : [])] };
}

function describeOp(op: GeneratedOperation): string {
  return JSON.stringify({ query: op.query, variables: op.variables, operationName: op.operationName }).slice(0, 2000);
}

function marked(text: string, n: number): string {
  return text.split(OP_MARK).join(`#${n}`);
}

async function viaHttp(url: string, op: GeneratedOperation, n: number, envelope: Envelope, token: string | undefined): Promise<{ status: number; body: GraphQLResponse; problems: string[] }> {
  const payload = marked(JSON.stringify({ query: op.query, variables: op.variables, ...(op.operationName ? { operationName: op.operationName } : {}) }), n);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) };
  let target = url;
  let init: RequestInit = { method: 'POST', headers, body: payload };
  switch (envelope) {
    case 'get':
      target = `${url}?${new URLSearchParams({ query: marked(op.query, n), variables: JSON.stringify(op.variables) })}`;
      init = { method: 'GET', headers: { ...headers, 'apollo-require-preflight': 'true' } };
      break;
    case 'text':
      init = { ...init, headers: { ...headers, 'content-type': 'text/plain' } };
      break;
    case 'malformed':
      init = { ...init, body: payload.slice(0, Math.max(1, Math.floor(payload.length / 2))) };
      break;
    case 'array':
      init = { ...init, body: `[${payload},${payload}]` };
      break;
    case 'oversized':
      init = { ...init, body: JSON.stringify({ query: `${op.query}#${'x'.repeat(MAX_BODY)}`, variables: op.variables }) };
      break;
    case 'route':
      target = url.replace(/\/graphql$/, '/graphq1');
      break;
    case 'put':
      init = { ...init, method: 'PUT' };
      break;
    case 'empty':
      init = { ...init, body: '{}' };
      break;
    case 'json':
      break;
  }
  const response = await fetch(target, init);
  const text = await response.text();
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`HTTP ${response.status}`);
  if (!/^application\/(graphql-response\+)?json/.test(response.headers.get('content-type') ?? '')) problems.push(`content-type ${response.headers.get('content-type')}`);
  let body: GraphQLResponse = {};
  try {
    body = JSON.parse(text) as GraphQLResponse;
  } catch {
    problems.push(`not JSON: ${text.slice(0, 200)}`);
  }
  if (body.errors === undefined && (body.data === undefined || body.data === null)) problems.push(`neither data nor errors: ${text.slice(0, 200)}`);
  problems.push(...problemsOf(body.errors));
  return { status: response.status, body, problems };
}

/** Operations on the shared admin connection, or the protocol abused on a connection of their own. */
async function viaWebSocket(
  url: string,
  shared: WireClient,
  op: GeneratedOperation,
  n: number,
  channel: Channel,
  tokens: Record<As, string | undefined>,
): Promise<{ outcome: WireOutcome | null; close: number | null }> {
  const query = marked(op.query, n);
  const variables = op.variables === null ? null : (JSON.parse(marked(JSON.stringify(op.variables), n)) as Record<string, unknown>);
  if (channel === 'shared') return { outcome: await shared.run(query, variables, op.operationName, 100), close: null };
  if (channel === 'bogus') {
    const code = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens.bogus}` } })));
      socket.on('close', (c) => resolve(c));
      socket.on('error', reject);
    });
    return { outcome: null, close: code };
  }
  const own = await WireClient.open(url, channel === 'viewer' ? tokens.viewer : tokens.admin);
  try {
    if (channel === 'viewer') return { outcome: await own.run(query, variables, op.operationName, 100), close: own.closeCode };
    if (channel === 'garbage') own.sendRaw(query);
    else own.sendRaw(JSON.stringify({ id: 'big', type: 'subscribe', payload: { query: `${query}#${'x'.repeat(MAX_BODY)}` } }));
    for (let i = 0; i < 100 && own.closeCode === null; i++) await new Promise((r) => setTimeout(r, 10));
    return { outcome: null, close: own.closeCode ?? -1 };
  } finally {
    await own.close();
  }
}
