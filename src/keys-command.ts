import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { Config } from './config.js';
import type { Role } from './core/access/access.js';
import { ApiKeyService, KEY_PREFIX, parseRole } from './core/keys/api-key.service.js';
import { pageRequest } from './core/storage/pagination.js';
import type { ApiKeyRecord } from './core/storage/records.js';
import { openDatabase, type Database } from './db/database.js';
import { createTypeormStorage } from './db/repositories/typeorm-storage.js';
import { StoreInUseError } from './db/store-lock.js';
import { InvalidInputError } from './errors/index.js';
import type { Logger } from './logger.js';
import { request, type RemoteService } from './remote/client.js';

export const KEYS_USAGE = `usage: graphnas keys <create|list|revoke|token> [options]

  create --name NAME --role viewer|operator|worker|admin [--project P] [--expires-in 30d]
         prints the new key's token once (only its hash is stored)
  list   the keys, newest first, without their tokens
  revoke ID
  token  prints a fresh random token and stores nothing (for GRAPHNAS_ADMIN_KEY)

  --url URL   manage the keys of the running service at URL over its API (needs an
              admin key: --key or GRAPHNAS_API_KEY; on loopback before any key exists,
              none). Without --url the store is opened directly (the embedded ./data
              when no server holds it, or DATABASE_URL): the way to make the first key.
  --json      machine-readable output`;

/** The key operations, the same whether they go through the store or the API. */
interface KeyBackend {
  create(input: { name: string; role: Role; project: string | null; expiresAt: Date | null }): Promise<{ key: KeyView; token: string }>;
  list(): Promise<KeyView[]>;
  revoke(id: string): Promise<KeyView>;
  close(): Promise<void>;
}

export interface KeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly role: string;
  readonly project: string | null;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

function view(key: ApiKeyRecord): KeyView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    role: key.role,
    project: key.project,
    expiresAt: iso(key.expiresAt),
    lastUsedAt: iso(key.lastUsedAt),
    createdAt: key.createdAt.toISOString(),
    revokedAt: iso(key.revokedAt),
  };
}

/** `30d`, `12h`, `45m`: how long from now. */
export function parseDuration(text: string, now: Date = new Date()): Date {
  const match = /^(\d+)([dhm])$/.exec(text.trim());
  if (match === null) throw InvalidInputError.field('expires-in', `must be a number of days, hours or minutes such as 30d, 12h or 45m, got "${text}"`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[match[2] as 'd' | 'h' | 'm'];
  return new Date(now.getTime() + Number(match[1]) * unit);
}

async function storeBackend(config: Config, logger: Logger): Promise<KeyBackend> {
  let database: Database;
  try {
    database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: 2 }, logger);
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    const url = error.holder?.url ?? 'http://HOST:PORT/graphql';
    throw new StoreInUseError(error.dataDir, error.holder, `${error.message}.\nManage its keys through it instead: graphnas keys … --url ${url} (with an admin key)`);
  }
  try {
    await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  const keys = new ApiKeyService(createTypeormStorage(database.dataSource, { notify: false, afterCommit: { committed: () => undefined } }));
  return {
    async create(input) {
      const { key, token } = await keys.create(input, 'cli');
      return { key: view(key), token };
    },
    list: async () => (await keys.list(pageRequest(500, null))).items.map((i) => view(i.node)),
    revoke: async (id) => view(await keys.revoke(id)),
    close: () => database.close(),
  };
}

const KEY_FIELDS = 'id name prefix role project expiresAt lastUsedAt createdAt revokedAt';

function apiBackend(service: RemoteService): KeyBackend {
  // The API's enum is upper case; the CLI speaks the roles' own names.
  const fromApi = (key: KeyView): KeyView => ({ ...key, role: key.role.toLowerCase() });
  return {
    async create(input) {
      const data = await request<{ createApiKey: { token: string; key: KeyView } }>(
        service,
        'createApiKey',
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { token key { ${KEY_FIELDS} } } }`,
        { input: { ...input, role: input.role.toUpperCase(), expiresAt: input.expiresAt?.toISOString() ?? null } },
      );
      return { token: data.createApiKey.token, key: fromApi(data.createApiKey.key) };
    },
    async list() {
      const data = await request<{ apiKeys: { edges: { node: KeyView }[] } }>(service, 'apiKeys', `{ apiKeys(first: 500) { edges { node { ${KEY_FIELDS} } } } }`, {});
      return data.apiKeys.edges.map((e) => fromApi(e.node));
    },
    async revoke(id) {
      const data = await request<{ revokeApiKey: KeyView }>(service, 'revokeApiKey', `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`, { id });
      return fromApi(data.revokeApiKey);
    },
    close: async () => undefined,
  };
}

function table(keys: readonly KeyView[]): string {
  const rows = [['id', 'name', 'prefix', 'role', 'project', 'expires', 'last used', 'state']];
  for (const k of keys) {
    const state = k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active';
    rows.push([k.id, k.name, `${k.prefix}…`, k.role, k.project ?? '(all)', k.expiresAt ?? 'never', k.lastUsedAt ?? 'never', state]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

/** `graphnas keys …`; returns the process exit code. */
export async function keysCommand(args: readonly string[], config: Config, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const parsed = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      project: { type: 'string' },
      'expires-in': { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [action, ...rest] = parsed.positionals;
  const { values } = parsed;
  const print = (text: string, json: unknown): void => {
    out.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`);
  };
  if (action === 'token') {
    const token = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    print(token, { token });
    return 0;
  }
  if (action !== 'create' && action !== 'list' && action !== 'revoke') throw InvalidInputError.field('action', `must be create, list, revoke or token\n${KEYS_USAGE}`);
  const backend = values.url ? apiBackend({ url: values.url, apiKey: values.key ?? config.apiKey }) : await storeBackend(config, logger);
  try {
    switch (action) {
      case 'create': {
        if (!values.name) throw InvalidInputError.field('name', 'is required (--name)');
        const role = parseRole(values.role ?? '', '--role');
        const expiresAt = values['expires-in'] ? parseDuration(values['expires-in']) : null;
        const { key, token } = await backend.create({ name: values.name, role, project: values.project ?? null, expiresAt });
        print(
          `created ${key.role} key "${key.name}" (${key.id}${key.project ? `, project ${key.project}` : ', every project'}${key.expiresAt ? `, expires ${key.expiresAt}` : ''})\n\n  ${token}\n\nThis token is shown once; only its hash is stored. Use it as\n  curl -H 'Authorization: Bearer ${token.slice(0, 10)}…' …`,
          { token, key },
        );
        return 0;
      }
      case 'list': {
        const keys = await backend.list();
        print(keys.length === 0 ? 'no API keys' : table(keys), keys);
        return 0;
      }
      case 'revoke': {
        const id = rest[0];
        if (!id) throw InvalidInputError.field('id', 'graphnas keys revoke needs the key id (graphnas keys list shows them)');
        const key = await backend.revoke(id);
        print(`revoked "${key.name}" (${key.id}) at ${key.revokedAt}`, key);
        return 0;
      }
    }
  } finally {
    await backend.close();
  }
}
