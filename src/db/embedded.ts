import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The embedded database: PGlite (PostgreSQL compiled to wasm) in this process, served
 * on a loopback socket so that the ordinary `pg` driver, TypeORM's postgres driver and
 * the very same migrations work unchanged in both modes.
 *
 * Known behaviour designed around elsewhere: PGlite runs one query at a time, so a
 * transaction on one connection blocks the others (services never use a second
 * connection inside a transaction), and NOTIFY is not delivered across connections (the
 * embedded mode uses the in-process event bus).
 */
export interface EmbeddedPostgres {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** `dataDir` null keeps everything in memory (tests, demos). */
export async function startEmbeddedPostgres(dataDir: string | null, maxConnections: number): Promise<EmbeddedPostgres> {
  if (dataDir !== null) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir === null ? {} : { dataDir });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.slice(conn.lastIndexOf(':') + 1));
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      await server.stop();
      // close() checkpoints and flushes the data directory: without it the last writes
      // are lost on restart.
      await db.close();
    },
  };
}
