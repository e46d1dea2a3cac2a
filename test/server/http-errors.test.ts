import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gqlOk } from '../helpers/graphql-client.js';
import { WireClient } from '../graphql/ws-wire.js';

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly requestId: string | null;
  readonly text: string;
}

interface ErrorJson {
  readonly errors: readonly { readonly message: string; readonly extensions: Record<string, unknown> & { code: string } }[];
}

async function answer(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  return { status: response.status, contentType: response.headers.get('content-type'), requestId: response.headers.get('x-request-id'), text: await response.text() };
}

/** A GraphQL-shaped error answer with one stable code: no HTML, no stack trace, no file path. */
function assertErrorJson(a: Answer, status: number, code: string): ErrorJson {
  assert.equal(a.status, status, a.text);
  assert.match(a.contentType ?? '', /^application\/json/);
  assert.doesNotMatch(a.text, /<html|<pre|\bat [\w.<>]+ \(|\/work\/|node_modules|\.ts:\d|\.js:\d/i, 'no HTML, stack or path');
  const body = JSON.parse(a.text) as ErrorJson;
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0]!.extensions.code, code);
  return body;
}

/** What a raw socket gets back for bytes that are not the HTTP a server expects. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('end', () => resolve(received));
    socket.on('error', reject);
  });
}

function upgrade(url: string, headers: Record<string, string>, path = '/graphql'): Promise<{ status: number; body: string } | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws').replace(/\/graphql$/, path), 'graphql-transport-ws', { headers });
    socket.on('open', () => {
      socket.close();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

const DASHBOARD = 'https://dashboard.example.com';

for (const nodeEnv of ['development', 'production'] as const) {
  describe(`every failure is GraphQL-shaped JSON with a stable code (NODE_ENV=${nodeEnv})`, async () => {
    const [pglite] = await backends();
    let server: RunningServer;
    let url: string;
    let base: string;
    const logs: Record<string, unknown>[] = [];
    const previous = process.env.NODE_ENV;

    before(async () => {
      // Express reads NODE_ENV when the app is made, and picks its HTML error pages by it.
      process.env.NODE_ENV = nodeEnv;
      const config: Config = pglite!.config({ scheduler: false, allowedOrigins: [DASHBOARD] });
      const logger = createLogger('error', { pretty: false, destination: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) } });
      server = await startServer(config, logger);
      url = server.url;
      base = url.replace(/\/graphql$/, '');
    });
    after(async () => {
      await server?.close();
      if (previous === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = previous;
    });

    test('malformed JSON: 400 BAD_REQUEST, with the request id the response header carries', async () => {
      const a = await answer(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'client-id-1' }, body: '{"query": ' });
      const body = assertErrorJson(a, 400, 'BAD_REQUEST');
      assert.equal(a.requestId, 'client-id-1');
      assert.equal(body.errors[0]!.extensions.requestId, 'client-id-1');
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '"a string"' }), 400, 'BAD_REQUEST');
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"query": "{ __typename }"}]' }), 400, 'BAD_REQUEST');
    });

    test('a 10 MB body: 413 PAYLOAD_TOO_LARGE, on HTTP; over WebSocket the socket closes with 1009', async () => {
      const big = JSON.stringify({ query: `{ validateSearchSpace(definition: "${'x'.repeat(10 * 1024 * 1024)}") { valid } }` });
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big }), 413, 'PAYLOAD_TOO_LARGE');
      const wire = await WireClient.open(url);
      const outcome = await wire.run(JSON.parse(big).query as string);
      assert.equal(outcome.end, 'error');
      assert.equal(wire.closeCode, 1009, 'message too big');
    });

    test('wrong content types: 415 UNSUPPORTED_MEDIA_TYPE; bad charsets too', async () => {
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{ __typename }"}' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=x' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin9' }, body: '{}' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    test('unknown routes: 404 NOT_FOUND, whatever the method; other methods on /graphql are refused as JSON', async () => {
      // (A browser asking for a page gets the dashboard's, which routes on the client.)
      const json = { accept: 'application/json' };
      for (const [path, method] of [['/nope', 'GET'], ['/nope.txt', 'GET'], ['/nope', 'POST'], ['/graphql/x/../../etc', 'DELETE'], ['/healthz/x', 'GET']] as const) {
        assertErrorJson(await answer(`${base}${path}`, { method, headers: json }), 404, 'NOT_FOUND');
      }
      const put = await answer(url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      assertErrorJson(put, 405, 'BAD_REQUEST');
    });

    test('a GraphQL error carries no stack trace whatever NODE_ENV says', async () => {
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ nope }' }) }), 400, 'GRAPHQL_VALIDATION_FAILED');
      assertErrorJson(await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ ' }) }), 400, 'GRAPHQL_PARSE_FAILED');
    });

    test('an internal error is masked for the client and logged with the request id the client got, on both transports', async () => {
      const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "corrupt", definition: $d }) { id } }`, { d: NB201_SPACE() });
      const created = await gqlOk<{ createExperiment: { id: string } }>(
        url,
        `mutation($s: ID!) { createExperiment(input: { name: "corrupt", searchSpaceId: $s, evaluator: { type: "external" } }) { id } }`,
        { s: space.createSearchSpace.id },
      );
      const id = created.createExperiment.id;
      // Corrupt state, as only a bug or a hand-edited database makes it: not an Int.
      await server.database.dataSource.query(`UPDATE experiment SET budget = jsonb_set(budget, '{maxTrials}', '"lots /var/lib/secret"') WHERE id = $1`, [id]);
      const query = `query($id: ID!) { experiment(id: $id) { name budget { maxTrials } } }`;
      const a = await answer(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { id } }) });
      assert.equal(a.status, 200, 'a partial result');
      assert.doesNotMatch(a.text, /lots|secret|Int cannot/);
      const body = JSON.parse(a.text) as ErrorJson & { data: unknown };
      assert.deepEqual(body.errors[0]!.extensions, { code: 'INTERNAL_SERVER_ERROR', requestId: a.requestId });
      assert.equal(body.errors[0]!.message, 'Internal server error');
      const logged = logs.find((l) => l.requestId === a.requestId);
      assert.ok(logged, 'logged under the request id');
      assert.match(JSON.stringify(logged), /lots/, 'the log has the cause');

      const wire = await WireClient.open(url);
      const ws = await wire.run(query, { id });
      await wire.close();
      const error = ws.errors[0]!;
      assert.equal(error.extensions?.code, 'INTERNAL_SERVER_ERROR');
      assert.equal(error.message, 'Internal server error');
      assert.ok(logs.some((l) => l.requestId === error.extensions?.requestId), 'the WebSocket operation is logged under the id it was given');
    });

    test("requests Node's HTTP parser refuses are answered as JSON too", async () => {
      const garbage = await rawExchange(server.port, 'NOT HTTP AT ALL\r\n\r\n');
      assert.match(garbage, /^HTTP\/1\.1 400 /);
      assert.match(garbage, /"code":"BAD_REQUEST"/);
      const huge = await rawExchange(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.match(huge, /^HTTP\/1\.1 431 /);
      assert.match(huge, /"code":"HEADERS_TOO_LARGE"/);
    });

    test('browser origins: the server’s own and the listed ones are let in, others refused as JSON, on HTTP and WebSocket', async () => {
      const post = (headers: Record<string, string>) =>
        answer(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ __typename }' }) });
      assertErrorJson(await post({ origin: 'https://evil.example' }), 403, 'FORBIDDEN');
      assertErrorJson(await post({ origin: 'null' }), 403, 'FORBIDDEN');
      assert.equal((await post({})).status, 200, 'no Origin: not a browser page');
      assert.equal((await post({ origin: base })).status, 200, 'the server’s own page (the sandbox it serves)');
      const listed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: DASHBOARD }, body: JSON.stringify({ query: '{ __typename }' }) });
      assert.equal(listed.status, 200);
      assert.equal(listed.headers.get('access-control-allow-origin'), DASHBOARD);
      assert.match(listed.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: DASHBOARD, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers.get('access-control-allow-origin'), DASHBOARD);

      const refused = await upgrade(url, { origin: 'https://evil.example' });
      assert.notEqual(refused, 'open');
      if (refused !== 'open') {
        assert.equal(refused.status, 403);
        assert.equal((JSON.parse(refused.body) as ErrorJson).errors[0]!.extensions.code, 'FORBIDDEN');
      }
      assert.equal(await upgrade(url, {}), 'open', 'no Origin: not a browser');
      assert.equal(await upgrade(url, { origin: base }), 'open');
      assert.equal(await upgrade(url, { origin: DASHBOARD }), 'open');
      const elsewhere = await upgrade(url, {}, '/other');
      assert.ok(elsewhere !== 'open' && elsewhere.status === 404 && /"NOT_FOUND"/.test(elsewhere.body));
      const handshake = await rawExchange(server.port, `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
      assert.match(handshake, /^HTTP\/1\.1 400 /);
      assert.match(handshake, /"code":"BAD_REQUEST"/);
    });
  });
}
