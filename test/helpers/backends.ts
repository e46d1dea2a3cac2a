import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../../src/config.js';
import { loadConfig } from '../../src/config.js';

/**
 * The two databases every storage-facing test runs against: the embedded PGlite (always)
 * and a real PostgreSQL (TEST_DATABASE_URL, default the local `test` database). Where no
 * PostgreSQL answers, that half is skipped with a loud line, unless
 * GRAPHNAS_REQUIRE_POSTGRES=1 (CI) makes its absence a failure.
 */
export interface Backend {
  readonly name: 'pglite' | 'postgres';
  /** Why the backend is skipped, or null when it runs. */
  readonly skip: string | null;
  /** A fresh, isolated configuration: its own in-memory database or its own schema. */
  config(overrides?: Partial<Config>): Config;
  /** Drops what `config` created. */
  cleanup(): Promise<void>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';

let probe: Promise<string | null> | null = null;

function probePostgres(): Promise<string | null> {
  probe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probe;
}

const base = (): Config => ({
  ...loadConfig({}),
  host: '127.0.0.1',
  port: 0,
  logLevel: 'silent',
  logFormat: 'json',
  dbPoolSize: 4,
  shutdownTimeoutMs: 2000,
  // Finalists' models of a test go to a directory of their own, never into the checkout.
  artifactDir: mkdtempSync(join(tmpdir(), 'graphnas-artifacts-')),
});

export async function backends(): Promise<Backend[]> {
  const schemas: string[] = [];
  const pglite: Backend = {
    name: 'pglite',
    skip: null,
    config: (overrides = {}) => ({ ...base(), databaseUrl: null, dataDir: null, ...overrides }),
    cleanup: async () => undefined,
  };
  const failure = await probePostgres();
  let skip: string | null = null;
  if (failure !== null) {
    const message = `PostgreSQL at ${TEST_DATABASE_URL} is unreachable (${failure})`;
    if (process.env.GRAPHNAS_REQUIRE_POSTGRES === '1') {
      throw new Error(`${message}; GRAPHNAS_REQUIRE_POSTGRES=1 makes the PostgreSQL tests mandatory`);
    }
    skip = `${message}: SKIPPING the PostgreSQL half of the suite`;
    console.warn(`\n!!!!! ${skip} !!!!!\n`);
  }
  const postgres: Backend = {
    name: 'postgres',
    skip,
    config: (overrides = {}) => {
      // One schema per configuration, so that test runs (and files run in parallel)
      // never see each other's rows.
      const schema = `gn_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      return { ...base(), databaseUrl: TEST_DATABASE_URL, databaseSchema: schema, ...overrides };
    },
    cleanup: async () => {
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
  return [pglite, postgres];
}
