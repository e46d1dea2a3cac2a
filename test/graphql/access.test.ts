import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type {
  GraphQLScalarType} from 'graphql';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  getNamedType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { ROLES, allows, type Role } from '../../src/core/access/access.js';
import { declaredPermission } from '../../src/graphql/auth/permission.js';
import { createSchema } from '../../src/graphql/schema.js';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import WebSocket from 'ws';
import { errorCode, gql, gqlOk, subscribe, type As } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

type Operation = 'query' | 'mutation' | 'subscription';

function rootType(schema: GraphQLSchema, operation: Operation): GraphQLObjectType {
  const type = operation === 'query' ? schema.getQueryType() : operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return type!;
}

/** A syntactically valid literal for a required argument: enough to get past validation to the authorisation check. */
function literal(type: GraphQLInputType): string {
  if (type instanceof GraphQLNonNull) return literal(type.ofType);
  if (type instanceof GraphQLList) return `[${literal(type.ofType)}]`;
  if (type instanceof GraphQLEnumType) return type.getValues()[0]!.name;
  if (type instanceof GraphQLInputObjectType) {
    const required = Object.values(type.getFields()).filter((f) => f.type instanceof GraphQLNonNull && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${literal(f.type)}`).join(', ')} }`;
  }
  const scalar = type as GraphQLScalarType;
  switch (scalar.name) {
    case 'ID':
      return `"${randomUUID()}"`;
    case 'Int':
      return '1';
    case 'Float':
      return '0.5';
    case 'Boolean':
      return 'false';
    case 'JSON':
      return '{}';
    case 'DateTimeISO':
      return '"2099-01-01T00:00:00Z"';
    default:
      return '"x"';
  }
}

/** `field(required args) { __typename }`, or without a selection for a scalar answer. */
function operationFor(operation: Operation, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => a.type instanceof GraphQLNonNull && a.defaultValue === undefined);
  const argList = args.length > 0 ? `(${args.map((a) => `${a.name}: ${literal(a.type)}`).join(', ')})` : '';
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `${operation} { ${field.name}${argList}${selection} }`;
}

test('every root field of the schema declares the permission it needs (an undeclared one would be refused to everyone)', async () => {
  const schema = await createSchema(null);
  const undeclared: string[] = [];
  for (const operation of ['query', 'mutation', 'subscription'] as const) {
    for (const field of Object.values(rootType(schema, operation).getFields())) {
      if (declaredPermission(schema, operation, field.name) === undefined) undeclared.push(`${operation}.${field.name}`);
    }
  }
  assert.deepEqual(undeclared, []);
});

describe('access: keys, roles, projects', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let url: string;
      const as: Record<Role | 'otherProject' | 'workerB' | 'workerOther', As> = {} as never;
      before(async () => {
        server = await startTestServer(backend.config());
        url = server.url;
        for (const role of ROLES) as[role] = { token: (await server.services.keys.create({ name: role, role, project: null }, 'test')).token };
        as.otherProject = { token: (await server.services.keys.create({ name: 'b operator', role: 'operator', project: 'b' }, 'test')).token };
        as.workerB = { token: (await server.services.keys.create({ name: 'second worker', role: 'worker', project: null }, 'test')).token };
        as.workerOther = { token: (await server.services.keys.create({ name: 'b worker', role: 'worker', project: 'b' }, 'test')).token };
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('the role matrix: every query and mutation × every role is refused exactly where the role lacks the permission', async () => {
        const schema = await createSchema(null);
        const rows: string[] = [];
        for (const operation of ['query', 'mutation'] as const) {
          for (const field of Object.values(rootType(schema, operation).getFields())) {
            const permission = declaredPermission(schema, operation, field.name)!;
            for (const role of ROLES) {
              const result = await gql(url, operationFor(operation, field), {}, as[role]);
              const code = errorCode(result);
              if (allows(role, permission)) {
                assert.ok(code !== 'FORBIDDEN' && code !== 'UNAUTHENTICATED', `${role} may use ${field.name}, got ${code}: ${JSON.stringify(result.errors)}`);
              } else {
                assert.equal(code, 'FORBIDDEN', `${role} may not use ${field.name}`);
              }
            }
            rows.push(`${field.name}: ${ROLES.filter((r) => allows(r, permission)).join(', ')}`);
          }
        }
        assert.ok(rows.length > 20, 'the whole API was walked');
      });

      test('without a key, once keys exist, everything but nothing is refused as UNAUTHENTICATED; a bad key too', async () => {
        assert.equal(errorCode(await gql(url, '{ experiments { totalCount } }')), 'UNAUTHENTICATED');
        assert.equal(errorCode(await gql(url, '{ experiments { totalCount } }', {}, { token: 'gnk_not-a-real-key' })), 'UNAUTHENTICATED');
        assert.equal(errorCode(await gql(url, '{ experiments { totalCount } }', {}, { token: 'eyJ.not.a-jwt' })), 'UNAUTHENTICATED');
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { role } }' }) });
        assert.equal(response.status, 401);
        const me = await gqlOk<{ viewer: { kind: string; role: string; project: string | null } }>(url, '{ viewer { kind role project } }', {}, as.worker);
        assert.deepEqual(me.viewer, { kind: 'api-key', role: 'WORKER', project: null });
      });

      test('a key of project b sees and touches nothing of project a: lists, ids, mutations, subscriptions', async () => {
        const space = await gqlOk<{ createSearchSpace: { id: string; project: string } }>(
          url,
          `mutation($d: JSON!) { createSearchSpace(input: { name: "a space", definition: $d, project: "a" }) { id project } }`,
          { d: NB201_SPACE() },
          as.operator,
        );
        assert.equal(space.createSearchSpace.project, 'a');
        const created = await gqlOk<{ createExperiment: { id: string; project: string } }>(
          url,
          `mutation($s: ID!) { createExperiment(input: { name: "a experiment", searchSpaceId: $s, evaluator: { type: "external" }, budget: { maxTrials: 4, parallelTrials: 2 } }) { id project } }`,
          { s: space.createSearchSpace.id },
          as.operator,
        );
        const id = created.createExperiment.id;
        assert.equal(created.createExperiment.project, 'a', 'an experiment is in its space\'s project');
        const b = as.otherProject;
        const seenByB = await gqlOk<{ experiments: { totalCount: number }; searchSpaces: { totalCount: number } }>(url, `{ experiments(project: "a") { totalCount } searchSpaces { totalCount } }`, {}, b);
        assert.equal(seenByB.experiments.totalCount, 0);
        assert.equal(seenByB.searchSpaces.totalCount, 0);
        assert.equal(errorCode(await gql(url, `query($id: ID!) { experiment(id: $id) { id } }`, { id }, b)), 'NOT_FOUND');
        assert.equal(errorCode(await gql(url, `query($id: ID!) { searchSpace(id: $id) { id } }`, { id: space.createSearchSpace.id }, b)), 'NOT_FOUND');
        assert.equal(errorCode(await gql(url, `mutation($id: ID!) { startExperiment(id: $id) { id } }`, { id }, b)), 'NOT_FOUND');
        assert.equal(errorCode(await gql(url, `mutation($id: ID!) { deleteSearchSpace(id: $id) }`, { id: space.createSearchSpace.id }, b)), 'NOT_FOUND');
        const steal = await gql(url, `mutation($s: ID!) { createExperiment(input: { name: "x", searchSpaceId: $s, evaluator: { type: "external" } }) { id } }`, { s: space.createSearchSpace.id }, b);
        assert.equal(errorCode(steal), 'NOT_FOUND', "b cannot build on a's space");
        assert.equal(errorCode(await gql(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "x", definition: $d, project: "a" }) { id } }`, { d: NB201_SPACE() }, b)), 'BAD_USER_INPUT');
        const sub = await subscribe(url, `subscription($id: ID!) { experimentUpdated(id: $id) { id } }`, { id }, (d) => d, b);
        await assert.rejects(sub.until(() => false, 3000), /NOT_FOUND/);
        await sub.close();
        // The unscoped admin sees both projects; b's own key still sees its own.
        const all = await gqlOk<{ experiments: { edges: { node: { project: string } }[] } }>(url, `{ experiments(first: 500) { edges { node { project } } } }`, {}, as.admin);
        assert.ok(all.experiments.edges.some((e) => e.node.project === 'a'));
        const bSpace = await gqlOk<{ createSearchSpace: { project: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "b space", definition: $d }) { project } }`, { d: NB201_SPACE() }, b);
        assert.equal(bSpace.createSearchSpace.project, 'b', 'a scoped key creates in its own project');

        // Workers: identity comes from the key, not from the workerId they send.
        await gqlOk(url, `mutation($id: ID!) { startExperiment(id: $id) { status } }`, { id }, as.operator);
        let claimed: { id: string; workerId: string } | null = null;
        for (let i = 0; i < 100 && claimed === null; i++) {
          claimed = (await gqlOk<{ claimTrial: { id: string; workerId: string } | null }>(url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "w1") { id workerId } }`, { e: id }, as.worker)).claimTrial;
          if (claimed === null) await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok(claimed, 'the worker claimed a trial');
        assert.match(claimed.workerId, /^api-key:[0-9a-f-]+\/w1$/);
        const complete = (who: As, workerId: string | null) =>
          gql(url, `mutation($t: ID!, $w: String) { completeTrial(trialId: $t, metrics: { reward: 0.5 }, workerId: $w) { status } }`, { t: claimed!.id, w: workerId }, who);
        assert.equal(errorCode(await complete(as.workerB, 'w1')), 'LEASE_LOST', 'another key naming the same worker is not the holder');
        assert.equal(errorCode(await complete(as.workerB, null)), 'LEASE_LOST', 'nor without naming one');
        assert.equal(errorCode(await complete(as.workerOther, 'w1')), 'NOT_FOUND', "a worker of project b does not see a's trials");
        assert.equal(errorCode(await gql(url, `mutation($e: ID!) { claimTrial(experimentId: $e, workerId: "w9") { id } }`, { e: id }, as.workerOther)), 'NOT_FOUND');
        assert.equal(errorCode(await complete(as.viewer, 'w1')), 'FORBIDDEN');
        const done = await gqlOk<{ completeTrial: { status: string } }>(url, `mutation($t: ID!) { completeTrial(trialId: $t, metrics: { reward: 0.5 }) { status } }`, { t: claimed.id }, as.worker);
        assert.equal(done.completeTrial.status, 'SUCCEEDED', 'the holding key completes it without naming the worker');
      });

      test('the audit trail records who ran which mutation on what and how it ended, refusals included', async () => {
        const name = `audited ${randomUUID()}`;
        const created = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!, $n: String!) { createSearchSpace(input: { name: $n, definition: $d }) { id } }`, { d: NB201_SPACE(), n: name }, as.operator);
        assert.equal(errorCode(await gql(url, `mutation($id: ID!) { deleteSearchSpace(id: $id) }`, { id: created.createSearchSpace.id }, as.viewer)), 'FORBIDDEN');
        assert.equal(errorCode(await gql(url, `mutation { deleteSearchSpace(id: "${randomUUID()}") }`, {}, as.operator)), 'NOT_FOUND');
        const log = await gqlOk<{ auditLog: { edges: { node: { operation: string; target: string | null; outcome: string; principalName: string; role: string; transport: string } }[] } }>(
          url,
          `{ auditLog(first: 20) { edges { node { operation target outcome principalName role transport } } } }`,
          {},
          as.admin,
        );
        const entries = log.auditLog.edges.map((e) => e.node);
        assert.ok(entries.some((e) => e.operation === 'createSearchSpace' && e.target === created.createSearchSpace.id && e.outcome === 'OK' && e.principalName === 'operator' && e.transport === 'http'));
        assert.ok(entries.some((e) => e.operation === 'deleteSearchSpace' && e.outcome === 'FORBIDDEN' && e.role === 'VIEWER'));
        assert.ok(entries.some((e) => e.operation === 'deleteSearchSpace' && e.outcome === 'NOT_FOUND' && e.role === 'OPERATOR'));
        assert.equal(errorCode(await gql(url, `{ auditLog { totalCount } }`, {}, as.operator)), 'FORBIDDEN', 'only admins read it');
      });

      test('keys through the API: created by an admin, listed without their secret, revoked at once', async () => {
        const created = await gqlOk<{ createApiKey: { token: string; key: { id: string; prefix: string; role: string } } }>(
          url,
          `mutation { createApiKey(input: { name: "ci viewer", role: VIEWER }) { token key { id prefix role } } }`,
          {},
          as.admin,
        );
        const { token, key } = created.createApiKey;
        assert.match(token, /^gnk_[A-Za-z0-9_-]{43}$/);
        assert.ok(token.startsWith(key.prefix));
        const listed = await gqlOk<{ apiKeys: { edges: { node: Record<string, unknown> }[] } }>(url, `{ apiKeys(first: 100) { edges { node { id prefix name } } } }`, {}, as.admin);
        assert.ok(listed.apiKeys.edges.some((e) => e.node.id === key.id));
        assert.ok(!JSON.stringify(listed).includes(token), 'the secret is never listed');
        assert.equal((await gqlOk<{ viewer: { role: string } }>(url, '{ viewer { role } }', {}, { token })).viewer.role, 'VIEWER');
        await gqlOk(url, `mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { id: key.id }, as.admin);
        assert.equal(errorCode(await gql(url, '{ viewer { role } }', {}, { token })), 'UNAUTHENTICATED');
        assert.equal(errorCode(await gql(url, `mutation { createApiKey(input: { name: "x", role: ADMIN }) { token } }`, {}, as.operator)), 'FORBIDDEN');
      });

      test('WebSocket: credentials in connection_init; none or a bad one closes with 4403; a revoked key loses its subscription within seconds', async () => {
        // The protocol by hand: graphql-ws's client would turn the close into an error to retry.
        const closeCode = (who: As) =>
          new Promise<number>((resolve, reject) => {
            const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
            socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: who.token ? { authorization: `Bearer ${who.token}` } : {} })));
            socket.on('close', (code) => resolve(code));
            socket.on('error', reject);
          });
        assert.equal(await closeCode({}), 4403);
        assert.equal(await closeCode({ token: 'gnk_wrong' }), 4403);
        const viewer = (await server.services.keys.create({ name: 'short-lived', role: 'viewer', project: null }, 'test'));
        const space = await gqlOk<{ createSearchSpace: { id: string } }>(url, `mutation($d: JSON!) { createSearchSpace(input: { name: "ws", definition: $d }) { id } }`, { d: NB201_SPACE() }, as.operator);
        const experiment = await gqlOk<{ createExperiment: { id: string } }>(
          url,
          `mutation($s: ID!) { createExperiment(input: { name: "ws", searchSpaceId: $s, evaluator: { type: "external" } }) { id } }`,
          { s: space.createSearchSpace.id },
          as.operator,
        );
        const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
        const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
        const received: unknown[] = [];
        socket.on('message', (data) => {
          const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
          if (message.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription($id: ID!) { experimentUpdated(id: $id) { name } }`, variables: { id: experiment.createExperiment.id } } }));
          } else if (message.type === 'next') received.push(message.payload);
        });
        await new Promise<void>((resolve) => socket.on('open', () => resolve()));
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${viewer.token}` } }));
        await new Promise((r) => setTimeout(r, 500));
        await gqlOk(url, `mutation($id: ID!) { updateExperiment(id: $id, input: { name: "renamed" }) { id } }`, { id: experiment.createExperiment.id }, as.operator);
        for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
        assert.equal(received.length, 1, 'the live subscription delivered');
        const revokedAt = Date.now();
        await server.services.keys.revoke(viewer.key.id);
        assert.equal(await closed, 4403);
        assert.ok(Date.now() - revokedAt < 6000, 'closed within seconds of the revocation');
      });
    });
  }
});
