import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { TEST_DATABASE_URL, type Backend } from './backends.js';

/** Short leases so that a restarted server-mode process adopts the experiment (and its dead predecessor's trials) within seconds. */
export const FAST_SCHEDULER = {
  GRAPHNAS_SCHEDULER_RESYNC_MS: '200',
  GRAPHNAS_SCHEDULER_LEASE_SECONDS: '2',
  GRAPHNAS_TRIAL_LEASE_SECONDS: '3',
  SHUTDOWN_TIMEOUT_MS: '5000',
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export type Query = <R>(sql: string, params?: unknown[]) => Promise<R[]>;

/** Where a backend's child server keeps its data, and how the test reads it afterwards. */
export interface Store {
  readonly env: Record<string, string>;
  /**
   * Embedded: the restarted process is the only one, so it knows its predecessor's
   * in-process evaluations died with it and hands them back without counting an attempt.
   * Server: a replica cannot know that, and an expired lease counts (a trial that kills
   * its process every time must not crash-loop the fleet).
   */
  readonly exclusive: boolean;
  /** Resolves once the process `pid` holds the experiment's scheduler claim. */
  adopted(pid: number, experimentId: string): Promise<void>;
  /** Runs `check` with a direct connection to the stopped server's database. */
  inspect<T>(check: (query: Query) => Promise<T>): Promise<T>;
  cleanup(): Promise<void>;
}

export function storeFor(backend: Backend, prefix: string): Store {
  if (backend.name === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), `graphnas-${prefix}-`));
    return {
      env: { GRAPHNAS_DATA_DIR: dataDir },
      exclusive: true,
      // The only process takes over its dead predecessor's claim on its first pass.
      adopted: async () => undefined,
      async inspect(check) {
        // Only after the child has exited: the data directory has one owner at a time.
        const db = await openDatabase({ url: null, dataDir, schema: null, poolSize: 1 }, createLogger('silent', { pretty: false }));
        try {
          return await check(<R>(sql: string, params: unknown[] = []) => db.dataSource.query<R[]>(sql, params));
        } finally {
          await db.close();
        }
      },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  // backend.config registers the schema for backend.cleanup to drop.
  const schema = backend.config().databaseSchema!;
  const connect = async <T>(work: (query: Query) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path="${schema}"` });
    await client.connect();
    try {
      return await work(async <R>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[]);
    } finally {
      await client.end();
    }
  };
  return {
    env: { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, DB_POOL_SIZE: '4' },
    exclusive: false,
    // A replica cannot tell a dead scheduler from a slow one: the new process adopts the
    // experiment only once the dead one's claim has expired (the short lease above). A kill
    // before that would hit an idle process, so the kill clock starts at the adoption.
    async adopted(pid, experimentId) {
      await connect(async (query) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const [row] = await query<{ scheduler_owner: string | null }>(`SELECT scheduler_owner FROM experiment WHERE id = $1`, [experimentId]);
          // The owner id is host:pid:random (Scheduler).
          if (row?.scheduler_owner?.includes(`:${pid}:`)) return;
          if (Date.now() > deadline) throw new Error(`process ${pid} did not adopt the experiment in 30 s (owner ${row?.scheduler_owner})`);
          await sleep(50);
        }
      });
    },
    inspect: (check) => connect(check),
    cleanup: () => backend.cleanup(),
  };
}
