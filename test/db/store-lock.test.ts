import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { acquireStoreLock, GONE_STALE_MS, REFRESH_MS, STALE_MS, StoreInUseError, type StoreHolder } from '../../src/db/store-lock.js';
import { createLogger } from '../../src/logger.js';

const HOLDER = join(__dirname, 'fixtures', 'hold-store-lock.js');
const silent = createLogger('silent', { pretty: false });
const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'graphnas-lock-'));
  dirs.push(dir);
  return dir;
}

interface Holder {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly stderr: () => string;
}

/** A separate process that takes the lock on `dir` and keeps it until killed. */
function holdInChild(dir: string, url?: string): Promise<Holder> {
  const child = spawn(process.execPath, [HOLDER, dir, ...(url ? [url] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('held')) resolve({ child, exited, stderr: () => stderr });
    });
    void exited.then((code) => reject(new Error(`the holder exited with ${code} before holding the lock:\n${stderr}`)));
  });
}

/** A process that is alive and holds nothing. */
function bystander(): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 60_000)'], { stdio: 'ignore' });
  children.push(child);
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

function holderFile(dir: string, holder: Partial<StoreHolder>): void {
  const full: StoreHolder = {
    pid: process.pid,
    host: hostname(),
    command: 'graphnas serve',
    since: new Date().toISOString(),
    url: null,
    processStart: null,
    token: 'not-this-process',
    ...holder,
  };
  writeFileSync(join(dir, 'graphnas.lock.json'), JSON.stringify(full));
}

/** A lock directory whose last refresh was `ageMs` ago. */
function lockAged(dir: string, ageMs: number): void {
  mkdirSync(join(dir, 'graphnas.lock'), { recursive: true });
  const when = new Date(Date.now() - ageMs);
  utimesSync(join(dir, 'graphnas.lock'), when, when);
}

function listing(dir: string): string {
  return readdirSync(dir)
    .sort()
    .map((name) => `${name}:${name.endsWith('.json') ? readFileSync(join(dir, name), 'utf8') : ''}`)
    .join('\n');
}

describe('the embedded store has one owner', () => {
  test('openDatabase twice on one directory in one process refuses the second; the first keeps working', async () => {
    const dir = tempDir();
    const first = await openDatabase({ url: null, dataDir: dir, schema: null, poolSize: 1 }, silent);
    try {
      await assert.rejects(
        openDatabase({ url: null, dataDir: dir, schema: null, poolSize: 1 }, silent),
        (error: unknown) => error instanceof StoreInUseError && error.holder?.pid === process.pid && /already open in this process/.test(error.message),
      );
      assert.deepEqual(await first.dataSource.query('SELECT 1 AS one'), [{ one: 1 }]);
    } finally {
      await first.close();
    }
    assert.equal(existsSync(join(dir, 'graphnas.lock')), false, 'close releases the lock');
    assert.equal(existsSync(join(dir, 'graphnas.lock.json')), false, 'and removes the holder file');
    const again = await openDatabase({ url: null, dataDir: dir, schema: null, poolSize: 1 }, silent);
    await again.close();
  });

  test('in-memory databases take no lock', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => openDatabase({ url: null, dataDir: null, schema: null, poolSize: 1 }, silent)));
    await Promise.all([a!.close(), b!.close()]);
  });

  test('a live holder in another process is refused at once, by pid, host, command, time and URL, and nothing changes', async () => {
    const dir = tempDir();
    const holder = await holdInChild(dir, 'http://127.0.0.1:4999/graphql');
    const before = listing(dir);
    const started = Date.now();
    await assert.rejects(acquireStoreLock(dir), (error: unknown) => {
      assert.ok(error instanceof StoreInUseError);
      assert.match(error.message, new RegExp(`in use by pid ${holder.child.pid} on ${hostname()} \\(.*hold-store-lock\\.js .*\\), since \\d{4}-\\d\\d-\\d\\dT`));
      assert.match(error.message, /serving http:\/\/127\.0\.0\.1:4999\/graphql/);
      assert.equal(error.code, 'CONFLICT');
      return true;
    });
    assert.ok(Date.now() - started < 1000, 'a live holder is refused without waiting');
    assert.equal(listing(dir), before, 'the refused opener changed nothing');
    holder.child.kill('SIGKILL');
    await holder.exited;
  });

  test('kill -9 of the holder does not block the next opener: it takes over within a few missed refreshes', async () => {
    const dir = tempDir();
    const holder = await holdInChild(dir);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const waits: Record<string, unknown>[] = [];
    const started = Date.now();
    const lock = await acquireStoreLock(dir, { onWait: (_message, fields) => waits.push(fields) });
    const took = Date.now() - started;
    try {
      assert.ok(took < GONE_STALE_MS + 2 * REFRESH_MS, `took over in ${took} ms`);
      assert.equal(waits.length, 1, 'the wait is told, once');
      assert.equal((waits[0]!.holder as { pid: number }).pid, holder.child.pid);
      assert.equal(lock.holder.pid, process.pid);
      const written = JSON.parse(readFileSync(join(dir, 'graphnas.lock.json'), 'utf8')) as StoreHolder;
      assert.equal(written.token, lock.holder.token, 'the holder file now names this process');
    } finally {
      await lock.release();
    }
  });

  test('a live holder is refused even when its lock looks stale (its refreshes held up)', async () => {
    const dir = tempDir();
    const alive = bystander();
    holderFile(dir, { pid: alive.child.pid! });
    lockAged(dir, 10 * STALE_MS);
    await assert.rejects(acquireStoreLock(dir), (error: unknown) => error instanceof StoreInUseError && error.message.includes(`pid ${alive.child.pid} `));
    assert.ok(existsSync(join(dir, 'graphnas.lock')), 'the lock was left to its holder');
    alive.child.kill('SIGKILL');
    await alive.exited;
  });

  test('a live process that was given a dead holder\'s pid does not keep the lock', { skip: !existsSync('/proc/self/stat') && 'needs /proc' }, async () => {
    const dir = tempDir();
    const unrelated = bystander();
    holderFile(dir, { pid: unrelated.child.pid!, processStart: '1' });
    lockAged(dir, 0);
    const lock = await acquireStoreLock(dir);
    await lock.release();
    unrelated.child.kill('SIGKILL');
    await unrelated.exited;
  });

  test('a holder on another host is refused while it refreshes its lock, and replaced once the lock is stale', async () => {
    const dir = tempDir();
    holderFile(dir, { host: 'elsewhere.example', pid: 4242 });
    lockAged(dir, 0);
    await assert.rejects(acquireStoreLock(dir), (error: unknown) => error instanceof StoreInUseError && /pid 4242 on elsewhere\.example/.test(error.message) && /expires 10 s/.test(error.message));
    lockAged(dir, STALE_MS + 1000);
    const lock = await acquireStoreLock(dir);
    assert.equal(lock.holder.host, hostname());
    await lock.release();
  });

  test('a stale lock that names no holder is taken over', async () => {
    const dir = tempDir();
    lockAged(dir, STALE_MS + 1000);
    const lock = await acquireStoreLock(dir);
    await lock.release();
  });

  test('a holder whose lock is removed under it stops instead of writing beside a new owner', async () => {
    const dir = tempDir();
    const holder = await holdInChild(dir);
    rmdirSync(join(dir, 'graphnas.lock'));
    const code = await Promise.race([holder.exited, new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 5 * REFRESH_MS))]);
    assert.notEqual(code, 'running', 'the holder noticed within a few refreshes');
    assert.notEqual(code, 0);
    assert.match(holder.stderr(), /lost the lock on the data directory/);
  });
});
