import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { backends } from '../helpers/backends.js';
import { errorCode, gql, gqlOk } from '../helpers/graphql-client.js';
import { startTestServer } from '../helpers/server.js';

describe('who may call, by configuration', async () => {
  const [backend] = await backends();
  const config = (overrides: Parameters<typeof backend.config>[0]) => backend!.config(overrides);

  test('bound to every interface with no key, no admin key and no issuer, the server refuses to start', async () => {
    await assert.rejects(startTestServer(config({ host: '0.0.0.0' })), (e: unknown) => e instanceof ConfigError && /nobody could authenticate/.test(e.message));
  });

  test('GRAPHNAS_AUTH=off starts anywhere and lets everyone in, as the operator asked', async () => {
    const server = await startTestServer(config({ host: '0.0.0.0', auth: 'off' }));
    try {
      const me = await gqlOk<{ viewer: { kind: string; role: string } }>(server.url, '{ viewer { kind role } }');
      assert.deepEqual(me.viewer, { kind: 'anonymous', role: 'ADMIN' });
    } finally {
      await server.close();
    }
  });

  test('GRAPHNAS_ADMIN_KEY is installed as an admin key: the server starts on every interface and that key works', async () => {
    const adminKey = `gnk_${'A'.repeat(43)}`;
    const server = await startTestServer(config({ host: '0.0.0.0', adminKey }));
    try {
      assert.equal(errorCode(await gql(server.url, '{ viewer { role } }')), 'UNAUTHENTICATED');
      const me = await gqlOk<{ viewer: { role: string } }>(server.url, '{ viewer { role } }', {}, { token: adminKey });
      assert.equal(me.viewer.role, 'ADMIN');
    } finally {
      await server.close();
    }
  });

  test('GRAPHNAS_AUTH=on on loopback wants a key even before any exists', async () => {
    const server = await startTestServer(config({ auth: 'on' }));
    try {
      assert.equal(errorCode(await gql(server.url, '{ viewer { role } }')), 'UNAUTHENTICATED');
    } finally {
      await server.close();
    }
  });

  test('on loopback with no key, local clients are admin until the first key exists', async () => {
    const server = await startTestServer(config({}));
    try {
      assert.equal((await gqlOk<{ viewer: { kind: string } }>(server.url, '{ viewer { kind } }')).viewer.kind, 'local');
      const created = await gqlOk<{ createApiKey: { token: string } }>(server.url, `mutation { createApiKey(input: { name: "first", role: ADMIN }) { token } }`);
      assert.equal(errorCode(await gql(server.url, '{ viewer { kind } }')), 'UNAUTHENTICATED', 'from the first key on, keys are required');
      assert.equal((await gqlOk<{ viewer: { kind: string } }>(server.url, '{ viewer { kind } }', {}, { token: created.createApiKey.token })).viewer.kind, 'api-key');
    } finally {
      await server.close();
    }
  });
});
