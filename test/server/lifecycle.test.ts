import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startChildServer } from '../helpers/child-server.js';
import { NB201_SPACE } from '../helpers/fixtures.js';
import { gqlOk } from '../helpers/graphql-client.js';

describe('the service as a process (embedded database)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'graphnas-data-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('serves, reports health, shuts down gracefully on SIGTERM, and keeps its data across a restart', async () => {
    const first = await startChildServer({ GRAPHNAS_DATA_DIR: dataDir });
    const base = first.url.replace(/\/graphql$/, '');
    assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ready', database: 'embedded' });

    const created = await gqlOk<{ createSearchSpace: { id: string } }>(
      first.url,
      `mutation($d: JSON!) { createSearchSpace(input: { name: "survives", definition: $d }) { id } }`,
      { d: NB201_SPACE() },
    );

    // An open WebSocket must be told the server is going away, not cut off.
    const socket = new WebSocket(first.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    first.process.kill('SIGTERM');
    assert.equal(await closed, 1001);
    assert.equal(await first.exited, 0);

    const second = await startChildServer({ GRAPHNAS_DATA_DIR: dataDir });
    try {
      const read = await gqlOk<{ searchSpace: { name: string; cardinality: string } }>(
        second.url,
        `query($id: ID!) { searchSpace(id: $id) { name cardinality } }`,
        { id: created.createSearchSpace.id },
      );
      assert.deepEqual(read.searchSpace, { name: 'survives', cardinality: '15625' });
    } finally {
      second.process.kill('SIGTERM');
      assert.equal(await second.exited, 0);
    }
  });
});
