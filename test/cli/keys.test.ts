import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startChildServer } from '../helpers/child-server.js';
import { CLI } from '../helpers/fixtures.js';
import { errorCode, gql, gqlOk } from '../helpers/graphql-client.js';

const dataDir = mkdtempSync(join(tmpdir(), 'graphnas-keys-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * The CLI as a child process. Asynchronous on purpose: while a synchronous spawn blocks
 * this process, the server child's log pipe is not drained and the server stalls on it.
 */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'keys', ...args],
      { env: { ...process.env, GRAPHNAS_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

test('graphnas keys: the first admin key straight into the store, then the rest through the running service', async () => {
  const token = await cli(['token', '--json']);
  assert.equal(token.status, 0, token.stderr);
  assert.match((JSON.parse(token.stdout) as { token: string }).token, /^gnk_[A-Za-z0-9_-]{43}$/);

  // Before any key exists and before any server runs: straight into the store.
  const first = await cli(['create', '--name', 'first admin', '--role', 'admin', '--json']);
  assert.equal(first.status, 0, first.stderr);
  const admin = JSON.parse(first.stdout) as { token: string; key: { id: string; role: string } };
  assert.equal(admin.key.role, 'admin');
  const bad = await cli(['create', '--name', 'x', '--role', 'root']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--role: must be one of viewer, operator, worker, admin/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace for bad input');

  const server = await startChildServer({ GRAPHNAS_DATA_DIR: dataDir });
  try {
    // A key exists, so the loopback server is not open any more.
    assert.equal(errorCode(await gql(server.url, '{ viewer { role } }')), 'UNAUTHENTICATED');
    assert.equal((await gqlOk<{ viewer: { role: string } }>(server.url, '{ viewer { role } }', {}, { token: admin.token })).viewer.role, 'ADMIN');

    // The store is the server's now: the CLI says to go through it.
    const refused = await cli(['list']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, new RegExp(`--url ${server.url.replace(/[/.]/g, '\\$&')}`));

    const viewer = await cli(['create', '--name', 'dashboard', '--role', 'viewer', '--project', 'vision', '--expires-in', '30d', '--url', server.url, '--json'], { GRAPHNAS_API_KEY: admin.token });
    assert.equal(viewer.status, 0, viewer.stderr);
    const created = JSON.parse(viewer.stdout) as { token: string; key: { id: string; role: string; project: string; expiresAt: string } };
    assert.equal(created.key.role, 'viewer');
    assert.equal(created.key.project, 'vision');
    assert.ok(Date.parse(created.key.expiresAt) > Date.now() + 29 * 86_400_000);
    const me = await gqlOk<{ viewer: { role: string; project: string } }>(server.url, '{ viewer { role project } }', {}, { token: created.token });
    assert.deepEqual(me.viewer, { role: 'VIEWER', project: 'vision' });

    const listed = await cli(['list', '--url', server.url, '--key', admin.token]);
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout, /dashboard .* viewer .* vision .* active/);
    assert.ok(!listed.stdout.includes(created.token), 'tokens are never listed');

    const noKey = await cli(['list', '--url', server.url]);
    assert.equal(noKey.status, 1);
    assert.match(noKey.stderr, /UNAUTHENTICATED/);

    const revoked = await cli(['revoke', created.key.id, '--url', server.url], { GRAPHNAS_API_KEY: admin.token });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(errorCode(await gql(server.url, '{ viewer { role } }', {}, { token: created.token })), 'UNAUTHENTICATED');
  } finally {
    server.process.kill('SIGTERM');
    await server.exited;
  }
});
