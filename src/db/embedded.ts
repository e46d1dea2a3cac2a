import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { openPGlite, templateCacheDir, type StoreCreation, type TemplateOptions } from './pglite-template.js';
import { acquireStoreLock, type StoreLock, type StoreLockOptions } from './store-lock.js';

/**
 * The embedded database: PGlite (PostgreSQL compiled to wasm) in this process, served
 * on a loopback socket so that the ordinary `pg` driver, TypeORM's postgres driver and
 * the very same migrations work unchanged in both modes.
 *
 * Known behaviour designed around elsewhere: PGlite runs one query at a time, so a
 * transaction on one connection blocks the others (services never use a second
 * connection inside a transaction), and NOTIFY is not delivered across connections (the
 * embedded mode uses the in-process event bus). PGlite does not lock its directory: the
 * store lock (store-lock.ts) does, before PGlite reads a byte of it.
 */
export interface EmbeddedPostgres {
  readonly host: string;
  readonly port: number;
  /** Whether the store was loaded from the cached fresh cluster, made by initdb, or already there. */
  readonly created: StoreCreation;
  /** Records where this process serves the API beside the store lock (nothing in memory). */
  recordServedUrl(url: string): void;
  stop(): Promise<void>;
}

/**
 * `dataDir` null keeps everything in memory (tests, demos): nothing to lock. A new store
 * starts from the fresh-cluster template (pglite-template.ts) rather than running initdb;
 * the cache defaults to GRAPHNAS_CACHE_DIR and its problems are reported, never fatal.
 */
export async function startEmbeddedPostgres(
  dataDir: string | null,
  maxConnections: number,
  lockOptions: StoreLockOptions = {},
  templateOptions: Partial<TemplateOptions> = {},
): Promise<EmbeddedPostgres> {
  const lock: StoreLock | null = dataDir === null ? null : await acquireStoreLock(dataDir, lockOptions);
  let db: PGlite | null = null;
  try {
    const opened = await openPGlite(dataDir, { ...templateOptions, cacheDir: templateOptions.cacheDir ?? templateCacheDir() });
    db = opened.db;
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
    await server.start();
    const conn = server.getServerConn();
    const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
    const running = db;
    return {
      host: '127.0.0.1',
      port,
      created: opened.created,
      recordServedUrl: (url) => lock?.recordServedUrl(url),
      async stop() {
        try {
          await server.stop();
          // close() checkpoints and flushes the data directory: without it the last writes
          // are lost on restart.
          await running.close();
        } finally {
          await lock?.release();
        }
      },
    };
  } catch (error) {
    // The error that stopped the start is the one to report, not a failed cleanup.
    await db?.close().catch(() => undefined);
    await lock?.release();
    throw error;
  }
}
