import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { openPGlite, templatePath } from '../../src/db/pglite-template.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'graphnas-template-'));
  dirs.push(dir);
  return dir;
}

/** The store takes a table, a write and a read: it is a working database, not just a started one. */
async function assertWorks(db: PGlite): Promise<void> {
  await db.exec("CREATE TABLE probe (id int PRIMARY KEY, name text NOT NULL); INSERT INTO probe VALUES (1, 'one'), (2, 'two');");
  const { rows } = await db.query<{ name: string }>('SELECT name FROM probe ORDER BY id');
  assert.deepEqual(rows.map((row) => row.name), ['one', 'two']);
}

async function withClient<T>(port: number, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

// One cache for the whole file: each test builds on the template the one before left.
describe('the fresh-cluster template', { concurrency: false }, () => {
  const cacheDir = tempDir();
  const problems: string[] = [];
  const options = { cacheDir, onCacheProblem: (message: string) => problems.push(message) };

  test('the first in-memory store runs initdb and leaves the template behind', async () => {
    const { db, created } = await openPGlite(null, options);
    try {
      assert.equal(created, 'initdb');
      assert.equal(readFileSync(templatePath(cacheDir)).subarray(0, 2).toString('hex'), '1f8b', 'a gzipped template is in the cache');
      await assertWorks(db);
    } finally {
      await db.close();
    }
    assert.deepEqual(problems, []);
  });

  test('the next in-memory store is loaded from the template and works', async () => {
    const { db, created } = await openPGlite(null, options);
    try {
      assert.equal(created, 'template');
      // Also shows the template is the bare cluster: the first store's table is not in it.
      await assertWorks(db);
    } finally {
      await db.close();
    }
  });

  test('a directory store made from the template keeps its data across a restart, beside the store lock', async () => {
    const dataDir = tempDir();
    const first = await startEmbeddedPostgres(dataDir, 3, {}, options);
    try {
      assert.equal(first.created, 'template');
      await withClient(first.port, (client) => client.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')"));
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres(dataDir, 3, {}, options);
    try {
      assert.equal(second.created, 'existing');
      const { rows } = await withClient(second.port, (client) => client.query<{ v: string }>('SELECT v FROM kept'));
      assert.deepEqual(rows, [{ v: 'survives' }]);
    } finally {
      await second.stop();
    }
    assert.deepEqual(problems, []);
  });

  test('a corrupt template is reported, the store made by initdb, and the template replaced', async () => {
    const path = templatePath(cacheDir);
    const garbage = Buffer.from('not a tarball, and not gzip either '.repeat(100));
    writeFileSync(path, garbage);
    const dataDir = tempDir();
    const opened = await openPGlite(dataDir, options);
    try {
      assert.equal(opened.created, 'initdb');
      await assertWorks(opened.db);
    } finally {
      await opened.db.close();
    }
    assert.equal(problems.length, 1, `one problem reported: ${problems.join('; ')}`);
    assert.notDeepEqual(readFileSync(path), garbage);

    const next = await openPGlite(null, options);
    try {
      assert.equal(next.created, 'template', 'the replaced template loads');
      await assertWorks(next.db);
    } finally {
      await next.db.close();
    }
  });
});
