import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { ENTITIES } from './entities/index.js';

export interface DatabaseOptions {
  /** PostgreSQL URL; absent means the embedded PGlite. */
  readonly url: string | null;
  /** Embedded data directory; null keeps the embedded database in memory. */
  readonly dataDir: string | null;
  /** Schema to use (created when missing); lets test runs share one PostgreSQL database. */
  readonly schema: string | null;
  readonly poolSize: number;
}

export interface Database {
  readonly mode: 'embedded' | 'server';
  readonly dataSource: DataSource;
  /** For a dedicated connection outside the pool (LISTEN). */
  readonly clientConfig: pg.ClientConfig;
  /**
   * Embedded: records the URL this process serves the API on beside the data directory's
   * lock, so that a process refused the directory can be told where to send its work.
   * Server mode (no lock): nothing.
   */
  recordServedUrl(url: string): void;
  /** Applies pending migrations; returns their names. */
  migrate(): Promise<string[]>;
  hasPendingMigrations(): Promise<boolean>;
  /** The connection pool's connections: open, idle, and requests waiting for one (for /metrics). */
  poolStats(): { readonly total: number; readonly idle: number; readonly waiting: number };
  close(): Promise<void>;
}

const MIGRATIONS = join(__dirname, '..', '..', 'migrations', '*.js');
// Any constant works, as long as every graphnas process uses the same one.
const MIGRATION_LOCK = 716_352_001;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let clientConfig: pg.ClientConfig;
  // PGlite runs one statement at a time and all its socket sessions share one unnamed
  // prepared statement: two pooled connections whose extended-protocol messages
  // interleave get "unnamed prepared statement does not exist" or, worse, each other's
  // rows. One connection serialises everything, which PGlite does anyway.
  const poolSize = options.url === null ? 1 : options.poolSize;
  if (options.url === null) {
    // +2: the migration lock client and slack for a connection being replaced.
    embedded = await startEmbeddedPostgres(
      options.dataDir,
      poolSize + 2,
      { onWait: (message, fields) => logger.warn(fields, message) },
      // A bad template only costs the time of an initdb: said, never fatal.
      { onCacheProblem: (message, error) => logger.warn({ err: error }, message) },
    );
    clientConfig = { host: embedded.host, port: embedded.port, user: 'postgres', database: 'postgres' };
    logger.info({ dataDir: options.dataDir ?? 'memory', created: embedded.created }, 'embedded database (PGlite) started');
  } else {
    clientConfig = { connectionString: options.url };
  }
  if (options.schema !== null) clientConfig = { ...clientConfig, options: `-c search_path=${quoteIdent(options.schema)}` };

  const dataSource = new DataSource({
    type: 'postgres',
    ...(typeof clientConfig.connectionString === 'string'
      ? { url: clientConfig.connectionString }
      : { host: clientConfig.host, port: clientConfig.port, username: 'postgres', database: 'postgres' }),
    ...(options.schema !== null ? { schema: options.schema } : {}),
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'graphnas_migrations',
    synchronize: false,
    logging: false,
    poolSize,
    extra: {
      max: poolSize,
      ...(clientConfig.options ? { options: clientConfig.options } : {}),
      // A connection that cannot be had within this time is an outage, not a queue.
      connectionTimeoutMillis: 30_000,
    },
  });
  try {
    if (options.schema !== null) {
      const client = new pg.Client(clientConfig);
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
      } finally {
        await client.end();
      }
    }
    await dataSource.initialize();
  } catch (error) {
    // Also releases the data directory's lock: a failed open must not keep it.
    await embedded?.stop();
    throw error;
  }

  return {
    mode: embedded ? 'embedded' : 'server',
    dataSource,
    clientConfig,
    recordServedUrl: (url) => embedded?.recordServedUrl(url),
    async migrate() {
      // Replicas starting together must not run the same migration twice.
      const lock = new pg.Client(clientConfig);
      await lock.connect();
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
        const applied = await dataSource.runMigrations({ transaction: 'each' });
        for (const m of applied) logger.info({ migration: m.name }, 'migration applied');
        return applied.map((m) => m.name);
      } finally {
        await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
        await lock.end();
      }
    },
    hasPendingMigrations: () => dataSource.showMigrations(),
    poolStats() {
      // TypeORM's postgres driver keeps its pg.Pool as `master`, typed any.
      const pool = (dataSource.driver as PostgresDriver).master as pg.Pool | undefined;
      return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
    },
    async close() {
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}
