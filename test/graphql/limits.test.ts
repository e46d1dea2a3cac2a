import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type ApiLimits } from '../../src/config.js';
import { hideSuggestions } from '../../src/graphql/limits/index.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk, type GraphQLResponse } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';
import { WireClient, type WireOutcome } from './ws-wire.js';

const DEFAULTS = loadConfig({}).limits;

/** `{ experiment(id) { trials { edges { node { experiment … } } } } }`, nested exactly `depth` fields deep. */
function nested(depth: number): string {
  const cycle = ['trials', 'edges', 'node', 'experiment'];
  const fields = ['experiment(id: $id)'];
  while (fields.length < depth - 1) fields.push(cycle[(fields.length - 1) % cycle.length]!);
  return `query($id: ID!) { ${fields.join(' { ')} { __typename }${' }'.repeat(fields.length - 1)} }`;
}

const aliased = (n: number): string => `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { role }`).join(' ')} }`;
const directives = (n: number): string => `{ viewer { ${'role @include(if: true) '.repeat(n)}} }`;
/** `{ validateSearchSpace(definition: [1, …]) { valid } }`: 12 tokens plus one per element, as graphql's lexer counts them. */
const tokens = (n: number): string => `{ validateSearchSpace(definition: [${'1, '.repeat(n - 12)}]) { valid } }`;
/**
 * 1 (viewer) + 6 experiments × (edges 1 + node 1 + trials (1 + $t × (edges 1 + node 1)))
 * = 2 + 6 × (3 + 2·$t): 5,000 at $t = 415, 5,012 at 416.
 */
const COSTLY = `query($t: Int) { viewer { role } experiments(first: 6) { edges { node { trials(first: $t) { edges { node { id } } } } } } }`;

interface Outcome {
  readonly codes: readonly (string | undefined)[];
  readonly first: NonNullable<GraphQLResponse['errors']>[number] | undefined;
}

const ofHttp = (r: GraphQLResponse): Outcome => ({ codes: (r.errors ?? []).map((e) => e.extensions?.code), first: r.errors?.[0] });
const ofWire = (r: WireOutcome): Outcome => ({ codes: r.errors.map((e) => e.extensions?.code), first: r.errors[0] });

describe('limits: the same on HTTP and WebSocket', async () => {
  const [pglite] = await backends();
  let server: RunningServer;
  let wire: WireClient;
  /** An experiment to nest queries under (no trials: the scheduler is off). */
  let experiment: string;
  const both = async (query: string, variables: Record<string, unknown> = {}): Promise<{ http: Outcome; ws: Outcome }> => ({
    http: ofHttp(await gql(server.url, query, variables)),
    ws: ofWire(await wire.run(query, variables)),
  });
  const refusedBy = async (limit: keyof typeof LIMIT_OF, query: string, variables: Record<string, unknown> = {}): Promise<void> => {
    for (const [transport, outcome] of Object.entries(await both(query, variables))) {
      assert.deepEqual(outcome.codes, ['LIMIT_EXCEEDED'], `${transport}: ${JSON.stringify(outcome.first)}`);
      assert.equal(outcome.first?.extensions?.limit, limit, transport);
      assert.equal(outcome.first?.extensions?.max, DEFAULTS[LIMIT_OF[limit]], transport);
    }
  };
  const passes = async (limit: string, query: string, variables: Record<string, unknown> = {}): Promise<void> => {
    for (const [transport, outcome] of Object.entries(await both(query, variables))) {
      assert.ok(!outcome.codes.includes('LIMIT_EXCEEDED'), `${transport}: at the ${limit} limit: ${JSON.stringify(outcome.first)}`);
      assert.deepEqual(outcome.codes, [], `${transport}: ${JSON.stringify(outcome.first)}`);
    }
  };

  before(async () => {
    server = await startTestServer(pglite!.config({ scheduler: false }));
    wire = await WireClient.open(server.url);
    const space = await gqlOk<{ createSearchSpace: { id: string } }>(server.url, `mutation($d: JSON!) { createSearchSpace(input: { name: "limits", definition: $d }) { id } }`, { d: NB201_SPACE() });
    const created = await gqlOk<{ createExperiment: { id: string } }>(
      server.url,
      `mutation($s: ID!) { createExperiment(input: { name: "limits", searchSpaceId: $s, evaluator: { type: "external" } }) { id } }`,
      { s: space.createSearchSpace.id },
    );
    experiment = created.createExperiment.id;
  });
  after(async () => {
    await wire?.close();
    await server?.close();
  });

  test('the defaults are graphql-armor’s, but for a depth that admits one connection inside another', () => {
    assert.deepEqual(
      { ...DEFAULTS },
      { maxDepth: 8, maxAliases: 15, maxDirectives: 50, maxTokens: 1000, maxCost: 5000, rateLimit: 600, rateWindowSeconds: 10, fieldSuggestions: true } satisfies ApiLimits,
    );
  });

  test('depth: 8 fields deep pass, 9 are refused', async () => {
    await passes('depth', nested(8), { id: experiment });
    await refusedBy('depth', nested(9), { id: experiment });
  });

  test('aliases: 15 pass, 16 are refused', async () => {
    await passes('aliases', aliased(15));
    await refusedBy('aliases', aliased(16));
  });

  test('directives: 50 pass, 51 are refused', async () => {
    await passes('directives', directives(50));
    await refusedBy('directives', directives(51));
  });

  test('tokens: 1,000 pass, 1,001 are refused while parsing, and a 990k-element literal costs no more', async () => {
    await passes('tokens', tokens(1000));
    await refusedBy('tokens', tokens(1001));
    await refusedBy('tokens', `{ validateSearchSpace(definition: [${'1,'.repeat(990_000)}]) { valid } }`);
  });

  test('cost: weighed by `first` from variables, literals and the default page size alike', async () => {
    await passes('cost', COSTLY, { t: 415 });
    await refusedBy('cost', COSTLY, { t: 416 });
    const refused = await gql(server.url, COSTLY, { t: 416 });
    assert.equal(refused.errors?.[0]?.extensions?.cost, 5012);
    await refusedBy('cost', COSTLY.replace('query($t: Int)', 'query').replace('first: $t', 'first: 416'));
    // Without `first`, a connection is weighed at its default page of 50.
    await refusedBy('cost', `{ experiments { edges { node { trials { edges { node { id } } } } } } }`);
    // The query: depth refuses it here; with depth out of the way, cost does.
    const bomb = `query($n: Int) { experiments { edges { node { trials(first: $n) { edges { node { experiment { trials(first: $n) { edges { node { id } } } } } } } } } } }`;
    assert.equal(errorCode(await gql(server.url, bomb, { n: 500 })), 'LIMIT_EXCEEDED');
  });

  test('cost: lists without `first` are weighed by `top`, `limit` or their usual size', async () => {
    await passes('cost', `query($id: ID!) { experiment(id: $id) { leaderboard(top: 1000) { id experiment { id } } } }`, { id: experiment });
    await refusedBy('cost', `query($id: ID!) { experiment(id: $id) { policyHistory(limit: 5000) { step } } }`, { id: experiment });
    await refusedBy('cost', `{ experiments(first: 10) { edges { node { bestSoFar { reward } } } } }`);
  });

  test('a fragment fan-out (each fragment spreads the next one twice) is refused by its expansion', async () => {
    const n = 24;
    const fragments = Array.from({ length: n }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const fanOut = `query { ...F0 }\n${fragments}\nfragment F${n} on Query { experiments { totalCount } }`;
    assert.ok(fanOut.length < 1024, 'under a kilobyte');
    await refusedBy('cost', fanOut);
  });

  test("the README's queries pass", async () => {
    const space = await gqlOk<{ createSearchSpace: { id: string } }>(
      server.url,
      `mutation { createSearchSpace(input: { name: "NAS-Bench-201" definition: { cell: { nodes: 4, ops: ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] } } }) { id kind decisionCount cardinality } }`,
    );
    await gqlOk(server.url, `query { validateSearchSpace(definition: { cell: { nodes: 1, ops: [] } }) { valid errors { path message } } }`);
    const created = await gqlOk<{ createExperiment: { id: string } }>(
      server.url,
      `mutation($s: ID!) { createExperiment(input: { name: "nb201 reinforce" searchSpaceId: $s strategy: { type: "reinforce" } evaluator: { type: "tabular", options: { rewardColumn: "cifar10-val" } } budget: { maxTrials: 200, parallelTrials: 4 } seed: 1 }) { id status seed budget { maxTrials parallelTrials } } }`,
      { s: space.createSearchSpace.id },
    );
    const id = created.createExperiment.id;
    await gqlOk(server.url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id });
    await gqlOk(
      server.url,
      `query($id: ID!) { experiment(id: $id) { status endReason trialCounts { succeeded running pending } progress { finishedEvaluations maxTrials fraction etaSeconds } bestTrial { label reward finalMetrics } leaderboard(top: 5) { sequence label reward } bestSoFar { sequence reward } policyHistory { step meanReward entropy } trials(first: 10, orderBy: REWARD_DESC, duplicates: EXCLUDE) { totalCount edges { cursor node { sequence label reward } } pageInfo { hasNextPage endCursor } } } }`,
      { id },
    );
    const live = await wire.run(`subscription($id: ID!) { trialUpdated(experimentId: $id) { sequence status label reward } }`, { id }, undefined, 300);
    assert.equal(live.end, 'open', JSON.stringify(live.errors));
  });

  test('an alias bomb of mutations is refused before any of it runs: nothing is stored', async () => {
    const before = (await server.services.searchSpaces.list({}, { first: 1, after: null }, null)).totalCount;
    const bomb = `mutation($d: JSON!) { ${Array.from({ length: 16 }, (_, i) => `m${i}: createSearchSpace(input: { name: "bomb ${i}", definition: $d }) { id }`).join(' ')} }`;
    await refusedBy('aliases', bomb, { d: NB201_SPACE() });
    assert.equal((await server.services.searchSpaces.list({}, { first: 1, after: null }, null)).totalCount, before);
  });

  test('`first` past 500 is refused by the list itself, on every connection', async () => {
    for (const query of [
      `{ experiments(first: 501) { totalCount } }`,
      `{ searchSpaces(first: 501) { totalCount } }`,
      `{ apiKeys(first: 501) { totalCount } }`,
      `{ auditLog(first: 501) { totalCount } }`,
      `{ experiments(first: 1) { edges { node { trials(first: 501) { totalCount } } } } }`,
    ]) {
      for (const [transport, outcome] of Object.entries(await both(query))) {
        assert.ok(outcome.codes.every((c) => c === 'BAD_USER_INPUT'), `${transport} ${query}: ${JSON.stringify(outcome.first)}`);
      }
    }
    const deep = await gql(server.url, `query($id: ID!) { experiment(id: $id) { trials(first: 501) { totalCount } } }`, { id: experiment });
    assert.equal(errorCode(deep), 'BAD_USER_INPUT');
    assert.deepEqual(deep.errors?.[0]?.extensions?.fields, [{ path: 'first', message: 'must be an integer between 0 and 500' }]);
  });
});

describe('limits: suggestions and rate', async () => {
  const [pglite] = await backends();

  test('"Did you mean" hints are hidden when suggestions are off (NODE_ENV=production), on both transports', async () => {
    const server = await startTestServer(pglite!.config({ scheduler: false, limits: { ...DEFAULTS, fieldSuggestions: false } }));
    const wire = await WireClient.open(server.url);
    try {
      const typo = `{ experimentz { totalCount } }`;
      const enumTypo = `query($f: SpaceFormat!) { validateSearchSpace(definition: {}, format: $f) { valid } }`;
      for (const [query, variables] of [[typo, {}], [enumTypo, { f: 'NNX' }], [`{ experiments(frist: 2) { totalCount } }`, {}]] as const) {
        const http = await gql(server.url, query, variables);
        const ws = await wire.run(query, variables);
        for (const message of [http.errors?.[0]?.message, ws.errors[0]?.message]) {
          assert.ok(message !== undefined && !/Did you mean/.test(message), message);
          assert.match(message, /\[Suggestion hidden\]/);
        }
        assert.equal(ws.errors[0]?.extensions?.code, http.errors?.[0]?.extensions?.code);
      }
    } finally {
      await wire.close();
      await server.close();
    }
    assert.equal(loadConfig({ NODE_ENV: 'production' }).limits.fieldSuggestions, false);
    assert.equal(loadConfig({ NODE_ENV: 'production', GRAPHNAS_FIELD_SUGGESTIONS: 'on' }).limits.fieldSuggestions, true);
  });

  test('hideSuggestions covers every wording graphql-js uses', () => {
    for (const message of [
      'Cannot query field "experimentz" on type "Query". Did you mean "experiment" or "experiments"?',
      'Unknown argument "frist" on field "Query.experiments". Did you mean "first"?',
      'Value "NNX" does not exist in "SpaceFormat" enum. Did you mean the enum value "NNI"?',
      'Field "maxTrails" is not defined by type "BudgetInput". Did you mean "maxTrials", "maxRetries", or "maxFailedTrials"?',
      'Cannot query field "x" on type "Node". Did you mean to use an inline fragment on "Experiment"?',
    ]) {
      assert.equal(hideSuggestions(message), `${message.slice(0, message.indexOf(' Did you mean'))} [Suggestion hidden]`);
    }
  });

  test('a principal over its rate gets RATE_LIMITED (HTTP 429, Retry-After) on both transports; another principal does not', async () => {
    const server = await startTestServer(pglite!.config({ scheduler: false, limits: { ...DEFAULTS, rateLimit: 4, rateWindowSeconds: 60 } }));
    try {
      const a = (await server.services.keys.create({ name: 'a', role: 'viewer', project: null }, 'test')).token;
      const b = (await server.services.keys.create({ name: 'b', role: 'viewer', project: null }, 'test')).token;
      const post = (token: string) =>
        fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ __typename }' }) });
      for (let i = 0; i < 3; i++) assert.equal((await post(a)).status, 200);
      const wire = await WireClient.open(server.url, a);
      assert.equal((await wire.run('{ __typename }')).errors.length, 0, 'the fourth, over WebSocket, is within the rate');
      const refused = await post(a);
      assert.equal(refused.status, 429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
      const body = (await refused.json()) as GraphQLResponse;
      assert.equal(errorCode(body), 'RATE_LIMITED');
      assert.equal(body.errors?.[0]?.extensions?.retryAfterSeconds, retryAfter);
      const overWs = await wire.run('{ __typename }');
      assert.equal(overWs.end, 'error');
      assert.equal(overWs.errors[0]?.extensions?.code, 'RATE_LIMITED');
      assert.equal(overWs.errors[0]?.extensions?.http, undefined, 'no transport hints over WebSocket');
      await wire.close();
      assert.equal((await post(b)).status, 200, 'the rate is per principal');
    } finally {
      await server.close();
    }
  });
});

const LIMIT_OF = { depth: 'maxDepth', aliases: 'maxAliases', directives: 'maxDirectives', tokens: 'maxTokens', cost: 'maxCost' } as const;
