import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

/**
 * A fresh PGlite cluster made once and kept, so that new stores skip initdb.
 *
 * initdb is most of what `PGlite.create` costs on an empty store (a second wasm
 * instance bootstraps the catalogs), and every in-memory test, demo and `graphnas run`
 * pays it. A bare cluster is the same bytes every time for one PGlite build, so the
 * first create dumps its cluster right after initdb (before any migration writes a
 * row) and later creates load that tarball instead.
 *
 * The cache is only ever an optimisation: a template that cannot be read or loaded is
 * deleted and the store is made with initdb as before; one that cannot be written is
 * reported and skipped.
 */

/** How the store was opened: loaded from the template, made by initdb, or found on disk. */
export type StoreCreation = 'template' | 'initdb' | 'existing';

export interface OpenedPGlite {
  readonly db: PGlite;
  readonly created: StoreCreation;
}

export interface TemplateOptions {
  /** Where templates are kept; see templateCacheDir(). */
  readonly cacheDir: string;
  /** Told about a cache problem that was worked around (the store opened regardless). */
  readonly onCacheProblem?: (message: string, error: unknown) => void;
}

/**
 * GRAPHNAS_CACHE_DIR, else a directory under the OS temp dir. Read here rather than in
 * config.ts because only this cache uses it and the embedded store is started without
 * the configuration.
 */
export function templateCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.GRAPHNAS_CACHE_DIR;
  return configured !== undefined && configured !== '' ? configured : join(tmpdir(), 'graphnas-cache');
}

let cachedVersion: string | null = null;

/**
 * The installed PGlite's version: a template is only valid for the build that made it
 * (the catalog layout and the wasm's PostgreSQL version follow it). The package does not
 * export its package.json, so it is found above the resolved entry point.
 */
export function pgliteVersion(): string {
  if (cachedVersion !== null) return cachedVersion;
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === '@electric-sql/pglite' && typeof parsed.version === 'string') {
        cachedVersion = parsed.version;
        return parsed.version;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package.json of @electric-sql/pglite');
    dir = parent;
  }
}

/**
 * Gzipped: 4.5 MB instead of 40 MB, and it loads no slower (inflating it costs less than
 * copying the plain tarball around; measured for issue 14).
 */
export function templatePath(cacheDir: string): string {
  return join(cacheDir, `pglite-${pgliteVersion()}-fresh-cluster.tar.gz`);
}

const gunzipAsync = promisify(gunzip);

/** A temp file older than this is left over from a process killed while writing it. */
const ABANDONED_TEMP_MS = 10 * 60_000;

/** PGlite keeps the cluster at the top of its dataDir; PG_VERSION marks one that is there. */
function hasCluster(dataDir: string): boolean {
  return existsSync(join(dataDir, 'PG_VERSION'));
}

/**
 * Opens PGlite on `dataDir` (null: in memory). An existing cluster is opened as it is;
 * a new store is loaded from the cached template, or made by initdb and then becomes the
 * template. The caller must already hold the store lock on a directory.
 */
export async function openPGlite(dataDir: string | null, options: TemplateOptions): Promise<OpenedPGlite> {
  if (dataDir !== null && hasCluster(dataDir)) return { db: await PGlite.create({ dataDir }), created: 'existing' };

  const path = templatePath(options.cacheDir);
  const template = await readTemplate(path, options);
  if (template !== null) {
    const db = await loadTemplate(dataDir, template, options, () => rm(path, { force: true }));
    if (db !== null) return { db, created: 'template' };
  }

  // The dump must be of a bare cluster, so it is taken from an in-memory instance right
  // after initdb: a directory store's own dataDir also holds the store lock's files.
  if (dataDir === null) {
    const db = await PGlite.create();
    try {
      await saveTemplate(path, await dumpFresh(db), options);
    } catch (error) {
      options.onCacheProblem?.('could not dump the fresh cluster as a template', error);
    }
    return { db, created: 'initdb' };
  }
  const fresh = await PGlite.create();
  let blob: Blob | null = null;
  try {
    blob = await dumpFresh(fresh);
  } catch (error) {
    options.onCacheProblem?.('could not dump the fresh cluster as a template', error);
  } finally {
    await fresh.close();
  }
  if (blob !== null) {
    await saveTemplate(path, blob, options);
    const db = await loadTemplate(dataDir, blob, options, async () => undefined);
    if (db !== null) return { db, created: 'initdb' };
  }
  return { db: await PGlite.create({ dataDir }), created: 'initdb' };
}

/** Checkpointed first, so that a store loaded from it starts without replaying initdb's WAL. */
async function dumpFresh(db: PGlite): Promise<Blob> {
  await db.exec('CHECKPOINT');
  return db.dumpDataDir('gzip');
}

/**
 * Inflated here, not by PGlite: its gunzip leaves a rejected promise unhandled when the
 * data is not gzip (which would end the process), and gzip's CRC catches a damaged file.
 */
async function readTemplate(path: string, options: TemplateOptions): Promise<Blob | null> {
  let compressed: Buffer;
  try {
    compressed = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return discardUnreadable(path, error, options);
  }
  try {
    const tar = await gunzipAsync(compressed);
    // PGlite retries a tarball it cannot parse as gzip, through the same unhandled path.
    if (tar.subarray(257, 262).toString('latin1') !== 'ustar') throw new Error('not a tar archive');
    return new Blob([tar], { type: 'application/x-tar' });
  } catch (error) {
    return discardUnreadable(path, error, options);
  }
}

async function discardUnreadable(path: string, error: unknown, options: TemplateOptions): Promise<null> {
  options.onCacheProblem?.(`cannot read the PGlite template ${path}; discarding it and making the store with initdb`, error);
  await rm(path, { force: true }).catch(() => undefined);
  return null;
}

/**
 * Loads `template` as the new store's cluster; null when it does not make a working
 * database, after undoing what it wrote so that initdb finds the directory as it was.
 */
async function loadTemplate(dataDir: string | null, template: Blob, options: TemplateOptions, discard: () => Promise<unknown>): Promise<PGlite | null> {
  // What was there before (the store lock's files) stays; what the tarball added goes.
  const before = dataDir === null ? null : new Set(readdirSync(dataDir));
  let db: PGlite | null = null;
  try {
    db = await PGlite.create(dataDir === null ? { loadDataDir: template } : { dataDir, loadDataDir: template });
    // A tarball missing a file can still start; a query through the catalogs shows it works.
    await db.query('SELECT count(*) FROM pg_catalog.pg_class');
    return db;
  } catch (error) {
    options.onCacheProblem?.('the PGlite template does not load; discarding it and making the store with initdb', error);
    await db?.close().catch(() => undefined);
    await discard().catch(() => undefined);
    if (dataDir !== null && before !== null) {
      for (const name of readdirSync(dataDir)) if (!before.has(name)) rmSync(join(dataDir, name), { recursive: true, force: true });
    }
    return null;
  }
}

/**
 * Written to a temp file and renamed into place, so that a concurrent process (test
 * files run side by side) reads the old template, none, or the whole new one.
 */
async function saveTemplate(path: string, template: Blob, options: TemplateOptions): Promise<void> {
  const dir = dirname(path);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, new Uint8Array(await template.arrayBuffer()));
    await rename(temp, path);
  } catch (error) {
    options.onCacheProblem?.(`cannot write the PGlite template ${path}`, error);
    await rm(temp, { force: true }).catch(() => undefined);
    return;
  }
  await removeAbandonedTemps(dir);
}

async function removeAbandonedTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const file = join(dir, name);
    const modified = await stat(file).then((s) => s.mtimeMs, () => null);
    if (modified !== null && Date.now() - modified > ABANDONED_TEMP_MS) await rm(file, { force: true }).catch(() => undefined);
  }
}
