/**
 * Configuration from environment variables; the README's table lists every one. Bad
 * values stop the process at start with a message naming the variable.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** PostgreSQL URL; null selects the embedded PGlite. */
  readonly databaseUrl: string | null;
  readonly databaseSchema: string | null;
  /** Embedded data directory; null keeps the embedded database in memory. */
  readonly dataDir: string | null;
  readonly dbPoolSize: number;
  readonly logLevel: string;
  readonly logFormat: 'json' | 'pretty' | 'auto';
  readonly maxBodyBytes: number;
  readonly maxQueryDepth: number;
  readonly shutdownTimeoutMs: number;
}

export class ConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = env.GRAPHNAS_DATA_DIR ?? './data';
  const logFormat = env.LOG_FORMAT ?? 'auto';
  if (logFormat !== 'json' && logFormat !== 'pretty' && logFormat !== 'auto') {
    throw new ConfigError(`LOG_FORMAT must be json, pretty or auto, got "${logFormat}"`);
  }
  const schema = env.DATABASE_SCHEMA || null;
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(`DATABASE_SCHEMA must be a lower-case SQL identifier, got "${schema}"`);
  }
  return {
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 4000, 0, 65535),
    databaseUrl: env.DATABASE_URL || null,
    databaseSchema: schema,
    dataDir: dataDir === ':memory:' ? null : dataDir,
    dbPoolSize: integer(env, 'DB_POOL_SIZE', 10, 1, 200),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat,
    maxBodyBytes: integer(env, 'GRAPHNAS_MAX_BODY_BYTES', 2 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    maxQueryDepth: integer(env, 'GRAPHNAS_MAX_QUERY_DEPTH', 12, 2, 100),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
}
