import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lock } from 'proper-lockfile';
import { GraphnasError } from '../errors/index.js';

/**
 * One owner per embedded data directory. PGlite has no lock of its own: two processes on
 * one directory each write their own version of the pages and the WAL, and every later
 * start dies with `RuntimeError: Aborted()`. So the directory is locked before PGlite
 * touches it, with proper-lockfile: an atomic `mkdir` of `graphnas.lock` inside the
 * directory, whose mtime the holder refreshes; a lock nobody refreshes goes stale and
 * the next opener removes it, so a `kill -9` cannot block the directory forever.
 *
 * Beside the lock, `graphnas.lock.json` names the holder (pid, host, command, since when,
 * the URL it serves on), which serves two purposes. The refusal can say who holds the
 * directory. And on the holder's own host its liveness can be checked directly, which
 * mtimes alone cannot tell: a live holder is refused even when its event loop stalled past
 * the stale threshold (taking over would corrupt the store), and a holder whose process is
 * gone is taken over after a few missed refreshes instead of the full threshold (a
 * crashed server restarts in seconds).
 */

/**
 * How often the holder refreshes the lock's mtime: proper-lockfile's `update`, at its
 * minimum, so that a holder this process cannot see (another host, another pid namespace)
 * shows it is alive as often as possible.
 */
export const REFRESH_MS = 1_000;
/**
 * A lock not refreshed for this long is abandoned whoever holds it: proper-lockfile's
 * `stale` (its default). It applies where liveness cannot be checked (a holder on another
 * host sharing the directory, or one that left no identity), so it is generous: a holder
 * whose event loop stalls for less survives.
 */
export const STALE_MS = 10_000;
/**
 * The stale threshold for a lock whose holder ran on this host and whose process is gone:
 * three missed refreshes. Not zero, because "gone" may be wrong: a process in another pid
 * namespace (a second container of one pod sharing the volume) is invisible here, and it
 * proves it is alive by refreshing the lock.
 */
export const GONE_STALE_MS = 3 * REFRESH_MS;
const POLL_MS = 200;

const LOCK_NAME = 'graphnas.lock';
const HOLDER_NAME = 'graphnas.lock.json';

/** Who holds a data directory, as written beside its lock. */
export interface StoreHolder {
  readonly pid: number;
  readonly host: string;
  /** The holder's command line (`process.argv`). */
  readonly command: string;
  /** When it took the lock (ISO 8601). */
  readonly since: string;
  /** Where it serves the GraphQL API, once it listens; null for a process that serves nothing. */
  readonly url: string | null;
  /**
   * Linux: the process's start time (`/proc/PID/stat`, field 22), which tells the holder
   * from an unrelated process that was given its pid after it died. Null elsewhere.
   */
  readonly processStart: string | null;
  /** Random per lock: tells this lock's holder file from a successor's. */
  readonly token: string;
}

/** A data directory is held by another process (or already by this one); nothing was changed. */
export class StoreInUseError extends GraphnasError {
  constructor(
    readonly dataDir: string,
    readonly holder: StoreHolder | null,
    message: string,
  ) {
    super('CONFLICT', message, { details: { dataDir, holder } });
  }
}

/**
 * The holder's lock was removed or replaced under it (someone deleted the directory's
 * lock, or a process that could not see it alive took it over): the store may have a
 * second writer, and the only safe move is to stop writing at once.
 */
export class StoreLockLostError extends GraphnasError {
  constructor(dataDir: string, cause: unknown) {
    super('INTERNAL', `lost the lock on the data directory ${dataDir}: another process may be writing to it; stopping`, { cause, details: { dataDir } });
  }
}

export interface StoreLock {
  readonly dataDir: string;
  readonly holder: StoreHolder;
  /** Writes the URL this process serves the API on into the holder file, for refusals to quote. */
  recordServedUrl(url: string): void;
  /** Removes the holder file and the lock; idempotent. */
  release(): Promise<void>;
}

export interface StoreLockOptions {
  /** Told once when the opener waits for a dead holder's lock to go stale. */
  readonly onWait?: (message: string, fields: Record<string, unknown>) => void;
}

/** Canonical directory → token of the lock this process holds on it. */
const heldHere = new Map<string, string>();

interface ProcStat {
  /** Field 3: R, S, D, … and Z (zombie: dead, not yet reaped by its parent), X (dead). */
  readonly state: string;
  /** Field 22: start time in clock ticks after boot. */
  readonly start: string;
}

/** Linux only (null elsewhere, or when the process does not exist). */
function procStat(pid: number | 'self'): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) is parenthesised and may hold spaces or parentheses;
    // fields from 3 on follow the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [state, start] = [fields[0], fields[19]];
    return state === undefined || start === undefined ? null : { state, start };
  } catch {
    return null;
  }
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): StoreHolder | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoreHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string' || typeof value.token !== 'string') return null;
    return {
      pid: value.pid,
      host: value.host,
      command: typeof value.command === 'string' ? value.command : '?',
      since: typeof value.since === 'string' ? value.since : '?',
      url: typeof value.url === 'string' ? value.url : null,
      processStart: typeof value.processStart === 'string' ? value.processStart : null,
      token: value.token,
    };
  } catch {
    // Missing (a holder between its mkdir and this write, or one killed in between) or
    // torn: the mtime rule decides.
    return null;
  }
}

/** Atomic (write, then rename), so a reader never sees half a holder. */
function writeHolder(path: string, holder: StoreHolder): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(holder, null, 2)}\n`);
  renameSync(temporary, path);
}

type Verdict = 'this-process' | 'alive' | 'gone' | 'elsewhere' | 'unknown';

function judge(dir: string, holder: StoreHolder | null): Verdict {
  if (holder === null) return 'unknown';
  if (holder.host !== hostname()) return 'elsewhere';
  if (heldHere.get(dir) === holder.token) return 'this-process';
  // Our own pid in someone else's file: a predecessor in a container restarted with the same pid.
  if (holder.pid === process.pid || !pidExists(holder.pid)) return 'gone';
  const stat = procStat(holder.pid);
  if (stat === null) return 'alive';
  // A killed holder lingers as a zombie until its parent reaps it; a different start
  // time is an unrelated process that was given the dead holder's pid.
  return stat.state === 'Z' || stat.state === 'X' || (holder.processStart !== null && stat.start !== holder.processStart) ? 'gone' : 'alive';
}

function identify(holder: StoreHolder): string {
  return `pid ${holder.pid} on ${holder.host} (${holder.command}), since ${holder.since}${holder.url ? `, serving ${holder.url}` : ''}`;
}

function refusal(dir: string, holder: StoreHolder | null, verdict: Verdict): StoreInUseError {
  const where = `the data directory ${dir}`;
  switch (verdict) {
    case 'this-process':
      return new StoreInUseError(dir, holder, `${where} is already open in this process (${identify(holder!)}); close it first`);
    case 'alive':
      return new StoreInUseError(dir, holder, `${where} is in use by ${identify(holder!)}`);
    case 'elsewhere':
      return new StoreInUseError(
        dir,
        holder,
        `${where} is in use by ${identify(holder!)}; if that process is gone, its lock expires ${STALE_MS / 1000} s after it stopped`,
      );
    case 'gone':
      return new StoreInUseError(
        dir,
        holder,
        `${where} is in use by ${identify(holder!)}: that pid is not running here, yet its lock keeps being refreshed (a process in another container sharing the directory?)`,
      );
    case 'unknown':
      return new StoreInUseError(dir, null, `${where} is locked (${join(dir, LOCK_NAME)}) by a process that left no identity; the lock expires ${STALE_MS / 1000} s after its holder stops`);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes the data directory (creating it when missing) for this process, or fails with a
 * `StoreInUseError` that names the holder, having changed nothing. A holder that died on
 * this host is taken over once its lock went `GONE_STALE_MS` without a refresh; one on
 * another host, or one without identity, after `STALE_MS`.
 */
export async function acquireStoreLock(dataDir: string, options: StoreLockOptions = {}): Promise<StoreLock> {
  mkdirSync(dataDir, { recursive: true });
  const dir = realpathSync(dataDir);
  const lockPath = join(dir, LOCK_NAME);
  const holderPath = join(dir, HOLDER_NAME);
  const started = Date.now();
  let toldWaiting = false;
  let previous: Verdict | null = null;
  for (;;) {
    // A holder file without a lock is a leftover of a holder that stopped: ignored.
    const holder = existsSync(lockPath) ? readHolder(holderPath) : null;
    const verdict = judge(dir, holder);
    // Before proper-lockfile's own stale rule: a live holder whose refreshes were held up
    // (a long synchronous stretch in its event loop) must not lose the directory.
    if (verdict === 'this-process' || verdict === 'alive') throw refusal(dir, holder, verdict);
    try {
      const releaseLock = await lock(dir, {
        lockfilePath: lockPath,
        stale: verdict === 'gone' ? GONE_STALE_MS : STALE_MS,
        update: REFRESH_MS,
        realpath: false,
        // Thrown from proper-lockfile's timer, so it ends the process: better than two writers.
        onCompromised: (error) => {
          throw new StoreLockLostError(dir, error);
        },
      });
      return await taken(dir, holderPath, releaseLock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      // Fresh, so someone there refreshed it within STALE_MS: alive as far as anyone can tell.
      if (verdict === 'elsewhere') throw refusal(dir, holder, verdict);
      const patience = verdict === 'gone' ? GONE_STALE_MS + 2 * REFRESH_MS : STALE_MS + 2 * REFRESH_MS;
      if (Date.now() - started > patience) throw refusal(dir, holder, verdict);
      // Told only once the same verdict held on two polls: a holder between its mkdir and
      // its holder file shows up as 'unknown' for a moment and is then refused.
      if (!toldWaiting && verdict === previous) {
        toldWaiting = true;
        const age = Date.now() - (statSync(lockPath, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        const stale = verdict === 'gone' ? GONE_STALE_MS : STALE_MS;
        options.onWait?.(
          verdict === 'gone'
            ? 'the data directory was held by a process that is gone; waiting for its lock to go stale'
            : 'the data directory is locked by a process that left no identity; waiting for its lock to go stale',
          { dataDir: dir, holder: holder && { pid: holder.pid, host: holder.host, command: holder.command, since: holder.since }, waitMs: Math.max(0, Math.round(stale - age)) },
        );
      }
      previous = verdict;
      await sleep(POLL_MS);
    }
  }
}

async function taken(dir: string, holderPath: string, releaseLock: () => Promise<void>): Promise<StoreLock> {
  let holder: StoreHolder = {
    pid: process.pid,
    host: hostname(),
    command: process.argv.join(' '),
    since: new Date().toISOString(),
    url: null,
    processStart: procStat('self')?.start ?? null,
    token: randomBytes(16).toString('hex'),
  };
  try {
    writeHolder(holderPath, holder);
  } catch (error) {
    // The failed write is what to report; the lock goes stale anyway if this fails too.
    await releaseLock().catch(() => undefined);
    throw error;
  }
  heldHere.set(dir, holder.token);
  let released = false;
  const ours = (): boolean => readHolder(holderPath)?.token === holder.token;
  return {
    dataDir: dir,
    get holder() {
      return holder;
    },
    recordServedUrl(url) {
      if (released || !ours()) return;
      holder = { ...holder, url };
      writeHolder(holderPath, holder);
    },
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      // The holder file goes first: once the lock is gone a successor may write its own.
      if (ours()) rmSync(holderPath, { force: true });
      try {
        await releaseLock();
      } catch (error) {
        // ERELEASED: compromised, already reported by onCompromised.
        if ((error as NodeJS.ErrnoException).code !== 'ERELEASED') throw error;
      }
    },
  };
}
