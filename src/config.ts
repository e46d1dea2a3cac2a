import { GraphnasError } from './errors/index.js';

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
  /** LOG_LEVEL as given; null when unset (the server logs at info, the CLI's commands at warn). */
  readonly logLevel: string | null;
  readonly logFormat: 'json' | 'pretty' | 'auto';
  readonly maxBodyBytes: number;
  readonly limits: ApiLimits;
  /** Browser origins besides the server's own that may call the API (CORS and WebSocket upgrades). */
  readonly allowedOrigins: readonly string[];
  readonly shutdownTimeoutMs: number;
  /** Whether this process runs experiments' reconcile loops (an API-only replica may not). */
  readonly scheduler: boolean;
  readonly schedulerLeaseSeconds: number;
  readonly trialLeaseSeconds: number;
  readonly schedulerResyncMs: number;
  /** The API key `graphnas run --url` sends to the service; null sends none. */
  readonly apiKey: string | null;
  /** Events one subscription may have waiting before it is ended as a slow consumer (with a cursor). */
  readonly subscriberBuffer: number;
  /** Operations (subscriptions mostly) one WebSocket connection may run at once. */
  readonly maxOperationsPerConnection: number;
  /** GRAPHNAS_TF_BACKEND: the TensorFlow.js backend training uses on this machine; null: the evaluator's, else auto. */
  readonly tfBackend: string | null;
  /** GRAPHNAS_FASHION_MNIST_DIR: where Fashion-MNIST's IDX files are; null: Debian's package path. */
  readonly fashionMnistDir: string | null;
  /** GRAPHNAS_ARTIFACT_DIR: where finalists' models are kept (src/artifacts); replicas that serve downloads share it. */
  readonly artifactDir: string;
  /** Testing only: the process SIGKILLs itself after this many commits that emitted events. */
  readonly faultKillAfterCommits: number | null;
  /** `auto`: keys (or OIDC) required, except on loopback before the first key exists; `on`; `off`. */
  readonly auth: 'auto' | 'on' | 'off';
  /** An admin token installed (as its hash) at start: how a container gets its first key. */
  readonly adminKey: string | null;
  readonly oidc: OidcConfig | null;
}

/** What one operation may ask for, the same on HTTP and WebSocket (README, "Limits"). */
export interface ApiLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxTokens: number;
  readonly maxCost: number;
  /** Operations one principal may start per window; 0 turns the rate limit off. */
  readonly rateLimit: number;
  readonly rateWindowSeconds: number;
  /** Whether GraphQL errors may say "Did you mean …" (a schema leak where introspection is not wanted). */
  readonly fieldSuggestions: boolean;
}

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string | null;
  readonly roleClaim: string;
  readonly projectClaim: string;
}

/** A bad environment variable: the process stops at start, naming it. */
export class ConfigError extends GraphnasError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

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

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

function adminKey(env: Env): string | null {
  const raw = env.GRAPHNAS_ADMIN_KEY || null;
  // The same shape as the keys graphnas makes (gnk_ + 43 characters of base64url).
  if (raw !== null && !/^gnk_[A-Za-z0-9_-]{32,}$/.test(raw)) {
    throw new ConfigError('GRAPHNAS_ADMIN_KEY must look like a graphnas key: gnk_ followed by at least 32 base64url characters (graphnas keys create prints one)');
  }
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'on', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'off', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(`${name} must be on or off, got "${raw}"`);
}

function origins(env: Env): string[] {
  const raw = env.GRAPHNAS_CORS_ORIGINS ?? '';
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
    .map((o) => {
      let origin: string | null = null;
      try {
        origin = new URL(o).origin;
      } catch {
        // reported below with the variable's name
      }
      if (origin === null || origin === 'null' || origin !== o) {
        throw new ConfigError(`GRAPHNAS_CORS_ORIGINS must list origins such as https://dashboard.example.com (scheme, host, optional port; no path), got "${o}"`);
      }
      return origin;
    });
}

function limits(env: Env): ApiLimits {
  return {
    maxDepth: integer(env, 'GRAPHNAS_MAX_QUERY_DEPTH', 8, 2, 100),
    maxAliases: integer(env, 'GRAPHNAS_MAX_ALIASES', 15, 0, 1000),
    maxDirectives: integer(env, 'GRAPHNAS_MAX_DIRECTIVES', 50, 0, 1000),
    maxTokens: integer(env, 'GRAPHNAS_MAX_TOKENS', 1000, 100, 100_000),
    maxCost: integer(env, 'GRAPHNAS_MAX_COST', 5000, 10, 10_000_000),
    rateLimit: integer(env, 'GRAPHNAS_RATE_LIMIT', 600, 0, 1_000_000),
    rateWindowSeconds: integer(env, 'GRAPHNAS_RATE_LIMIT_WINDOW_SECONDS', 10, 1, 3600),
    fieldSuggestions: flag(env, 'GRAPHNAS_FIELD_SUGGESTIONS', env.NODE_ENV !== 'production'),
  };
}

function oidcConfig(env: Env): OidcConfig | null {
  const issuer = env.GRAPHNAS_OIDC_ISSUER || null;
  if (issuer === null) return null;
  if (!/^https?:\/\//.test(issuer)) throw new ConfigError(`GRAPHNAS_OIDC_ISSUER must be an http(s) URL, got "${issuer}"`);
  const audience = env.GRAPHNAS_OIDC_AUDIENCE || '';
  if (audience === '') throw new ConfigError('GRAPHNAS_OIDC_AUDIENCE is required with GRAPHNAS_OIDC_ISSUER: tokens are only accepted for this audience');
  return {
    issuer,
    audience,
    jwksUri: env.GRAPHNAS_OIDC_JWKS_URI || null,
    roleClaim: env.GRAPHNAS_OIDC_ROLE_CLAIM || 'graphnas_role',
    projectClaim: env.GRAPHNAS_OIDC_PROJECT_CLAIM || 'graphnas_project',
  };
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
    logLevel: env.LOG_LEVEL || null,
    logFormat,
    maxBodyBytes: integer(env, 'GRAPHNAS_MAX_BODY_BYTES', 2 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    limits: limits(env),
    allowedOrigins: origins(env),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    scheduler: flag(env, 'GRAPHNAS_SCHEDULER', true),
    schedulerLeaseSeconds: integer(env, 'GRAPHNAS_SCHEDULER_LEASE_SECONDS', 15, 2, 3600),
    trialLeaseSeconds: integer(env, 'GRAPHNAS_TRIAL_LEASE_SECONDS', 30, 3, 86_400),
    schedulerResyncMs: integer(env, 'GRAPHNAS_SCHEDULER_RESYNC_MS', 2000, 50, 600_000),
    apiKey: env.GRAPHNAS_API_KEY || null,
    subscriberBuffer: integer(env, 'GRAPHNAS_SUBSCRIBER_BUFFER', 1000, 1, 1_000_000),
    maxOperationsPerConnection: integer(env, 'GRAPHNAS_MAX_OPERATIONS_PER_CONNECTION', 100, 1, 100_000),
    tfBackend: env.GRAPHNAS_TF_BACKEND?.trim() || null,
    fashionMnistDir: env.GRAPHNAS_FASHION_MNIST_DIR || null,
    artifactDir: env.GRAPHNAS_ARTIFACT_DIR || './artifacts',
    faultKillAfterCommits: env.GRAPHNAS_FAULT_KILL_AFTER_COMMITS ? integer(env, 'GRAPHNAS_FAULT_KILL_AFTER_COMMITS', 0, 1, 1_000_000_000) : null,
    auth: oneOf(env, 'GRAPHNAS_AUTH', ['auto', 'on', 'off'] as const, 'auto'),
    adminKey: adminKey(env),
    oidc: oidcConfig(env),
  };
}
