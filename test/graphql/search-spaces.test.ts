import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { RunningServer } from '../../src/server.js';
import { backends } from '../helpers/backends.js';
import { NB201_SPACE, example } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

const CREATE = `mutation($input: CreateSearchSpaceInput!) {
  createSearchSpace(input: $input) { id name kind decisionCount cardinality decisions { index id name choices } }
}`;

interface Created {
  createSearchSpace: { id: string; name: string; kind: string; decisionCount: number; cardinality: string; decisions: { choices: unknown[] }[] };
}

describe('search spaces through GraphQL', async () => {
  for (const backend of await backends()) {
    describe(backend.name, { skip: backend.skip ?? false }, () => {
      let server: RunningServer;
      let url: string;
      before(async () => {
        server = await startTestServer(backend.config());
        url = server.url;
      });
      after(async () => {
        await server?.close();
        await backend.cleanup();
      });

      test('create, read, list, rename, delete', async () => {
        const created = (await gqlOk<Created>(url, CREATE, { input: { name: '  NB201  ', definition: NB201_SPACE() } })).createSearchSpace;
        assert.equal(created.name, 'NB201');
        assert.equal(created.kind, 'CELL');
        assert.equal(created.decisionCount, 6);
        assert.equal(created.cardinality, '15625');
        assert.deepEqual(created.decisions[0]!.choices, ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);

        const read = await gqlOk<{ searchSpace: { name: string; cardinality: string } }>(url, `query($id: ID!) { searchSpace(id: $id) { name cardinality } }`, { id: created.id });
        assert.deepEqual(read.searchSpace, { name: 'NB201', cardinality: '15625' });

        const list = await gqlOk<{ searchSpaces: { totalCount: number; edges: { node: { id: string } }[] } }>(
          url,
          `{ searchSpaces(first: 10, nameContains: "NB2") { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
        );
        assert.ok(list.searchSpaces.edges.some((e) => e.node.id === created.id));

        const renamed = await gqlOk<{ renameSearchSpace: { name: string } }>(url, `mutation($id: ID!) { renameSearchSpace(id: $id, name: "renamed") { name } }`, { id: created.id });
        assert.equal(renamed.renameSearchSpace.name, 'renamed');

        const deleted = await gqlOk<{ deleteSearchSpace: string }>(url, `mutation($id: ID!) { deleteSearchSpace(id: $id) }`, { id: created.id });
        assert.equal(deleted.deleteSearchSpace, created.id);
        const gone = await gql(url, `query($id: ID!) { searchSpace(id: $id) { id } }`, { id: created.id });
        assert.equal(errorCode(gone), 'NOT_FOUND');
      });

      test('an invalid definition is BAD_USER_INPUT with path-precise errors, and nothing is stored', async () => {
        const name = `bad-${randomUUID()}`;
        const result = await gql(url, CREATE, { input: { name, definition: { cell: { nodes: 1, ops: [] } } } });
        assert.equal(errorCode(result), 'BAD_USER_INPUT');
        const fields = result.errors![0]!.extensions!.fields as { path: string; message: string }[];
        assert.ok(fields.length >= 1);
        assert.ok(fields.every((f) => f.path.startsWith('input.definition/cell')), JSON.stringify(fields));
        const list = await gqlOk<{ searchSpaces: { totalCount: number } }>(url, `query($n: String) { searchSpaces(nameContains: $n) { totalCount } }`, { n: name });
        assert.equal(list.searchSpaces.totalCount, 0);
      });

      test('validateSearchSpace reports without storing', async () => {
        const ok = await gqlOk<{ validateSearchSpace: { valid: boolean; cardinality: string; decisionCount: number; kind: string } }>(
          url,
          `query($d: JSON!) { validateSearchSpace(definition: $d) { valid errors { path message } kind decisionCount cardinality } }`,
          { d: NB201_SPACE() },
        );
        assert.deepEqual(ok.validateSearchSpace, { valid: true, errors: [], kind: 'CELL', decisionCount: 6, cardinality: '15625' });
        const bad = await gqlOk<{ validateSearchSpace: { valid: boolean; errors: { path: string }[] } }>(
          url,
          `query($d: JSON!) { validateSearchSpace(definition: $d) { valid errors { path message } } }`,
          { d: 42 },
        );
        assert.equal(bad.validateSearchSpace.valid, false);
        assert.ok(bad.validateSearchSpace.errors.length > 0);
      });

      test('an NNI search space imports through the format flag', async () => {
        const nni = example('nni-search-space.json');
        const created = (await gqlOk<Created>(url, CREATE, { input: { name: 'from NNI', definition: nni, format: 'NNI' } })).createSearchSpace;
        assert.equal(created.cardinality, '1399680');
        assert.equal(created.decisionCount, 17);
        const refused = await gql(url, CREATE, { input: { name: 'bad NNI', definition: { lr: { _type: 'normal', _value: [0, 1] } }, format: 'NNI' } });
        assert.equal(errorCode(refused), 'BAD_USER_INPUT');
        assert.match(refused.errors![0]!.message, /normal/);
      });

      test('bad ids, names, cursors and enum values get clear codes', async () => {
        assert.equal(errorCode(await gql(url, `{ searchSpace(id: "nope") { id } }`)), 'BAD_USER_INPUT');
        assert.equal(errorCode(await gql(url, `query($id: ID!) { searchSpace(id: $id) { id } }`, { id: randomUUID() })), 'NOT_FOUND');
        const long = await gql(url, CREATE, { input: { name: 'x'.repeat(201), definition: NB201_SPACE() } });
        assert.equal(errorCode(long), 'BAD_USER_INPUT');
        assert.deepEqual(long.errors![0]!.extensions!.fields, [{ path: 'input.name', message: 'must be 1 to 200 characters' }]);
        assert.equal(errorCode(await gql(url, `{ searchSpaces(after: "garbage") { totalCount } }`)), 'BAD_USER_INPUT');
        assert.equal(errorCode(await gql(url, `{ searchSpaces(first: 100000) { totalCount } }`)), 'BAD_USER_INPUT');
        const badEnum = await gql(url, CREATE, { input: { name: 'x', definition: NB201_SPACE(), format: 'YAML' } });
        assert.equal(errorCode(badEnum), 'BAD_USER_INPUT');
        const syntax = await gql(url, `{ searchSpaces { `);
        assert.equal(errorCode(syntax), 'GRAPHQL_PARSE_FAILED');
      });

      test('a nested query past the depth limit is refused', async () => {
        const deep = `{ experiments { edges { node { trials { edges { node { experiment { trials { edges { node { experiment { trials { edges { node { id } } } } } } } } } } } } } } }`;
        const result = await gql(url, deep);
        assert.equal(errorCode(result), 'LIMIT_EXCEEDED');
        assert.equal(result.errors![0]!.extensions!.limit, 'depth');
      });
    });
  }
});
