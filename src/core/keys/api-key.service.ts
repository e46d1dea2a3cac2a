import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { ROLES, isProjectName, type Principal, type Role } from '../access/access.js';
import { InvalidInputError, IssueList, NotFoundError, assertId } from '../errors.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { ApiKeyRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';

/** Every API key starts so: people recognise it, and secret scanners can be taught to. */
export const KEY_PREFIX = 'gnk_';
/** How long a verified (or refused) token is remembered: revocation reaches every request within it. */
export const KEY_CACHE_MS = 2000;
/** `lastUsedAt` is written at most this often per key, not on every request. */
const LAST_USED_EVERY_MS = 60_000;

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly project?: string | null;
  readonly expiresAt?: Date | null;
}

export interface CreatedApiKey {
  readonly key: ApiKeyRecord;
  /** Shown once, at creation; only its hash is stored. */
  readonly token: string;
}

function sha256(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function principalOf(key: ApiKeyRecord): Principal {
  return { kind: 'api-key', id: key.id, name: key.name, role: key.role, project: key.project, expiresAt: null };
}

/**
 * API keys: random 256-bit tokens, stored as their SHA-256 (a token of that entropy needs
 * no slow hash; a stolen table yields nothing usable), with a role, an optional project,
 * an expiry and a last-used time.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { key: ApiKeyRecord | null; at: number }>();
  private usable: { value: boolean; at: number } | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: NewApiKey, createdBy: string): Promise<CreatedApiKey> {
    const issues = new IssueList();
    const name = input.name.trim();
    if (name.length === 0 || name.length > 200) issues.add('name', 'must be 1 to 200 characters');
    if (!ROLES.includes(input.role)) issues.add('role', `must be one of ${ROLES.join(', ')}`);
    const project = input.project ?? null;
    if (project !== null && !isProjectName(project)) issues.add('project', 'must be a lower-case name of letters, digits, ".", "_" or "-" (at most 100)');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && !(expiresAt.getTime() > this.now().getTime())) issues.add('expiresAt', 'must be in the future');
    issues.throwIfAny('invalid API key');
    const token = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const key: ApiKeyRecord = {
      id: randomUUID(),
      name,
      prefix: token.slice(0, KEY_PREFIX.length + 6),
      hash: sha256(token),
      role: input.role,
      project,
      expiresAt,
      lastUsedAt: null,
      createdAt: this.now(),
      createdBy,
      revokedAt: null,
    };
    await this.storage.apiKeys.insert(key);
    this.usable = null;
    return { key, token };
  }

  /**
   * Makes `token` an admin key unless it already is one (GRAPHNAS_ADMIN_KEY: how a
   * container that nobody can reach yet gets its first key). Only its hash is stored.
   */
  async installAdminKey(token: string): Promise<ApiKeyRecord> {
    const hash = sha256(token);
    const existing = await this.storage.apiKeys.findByHash(hash);
    if (existing !== null) return existing;
    const key: ApiKeyRecord = {
      id: randomUUID(),
      name: 'admin key from GRAPHNAS_ADMIN_KEY',
      prefix: token.slice(0, KEY_PREFIX.length + 6),
      hash,
      role: 'admin',
      project: null,
      expiresAt: null,
      lastUsedAt: null,
      createdAt: this.now(),
      createdBy: 'config',
      revokedAt: null,
    };
    await this.storage.apiKeys.insert(key);
    this.usable = null;
    return key;
  }

  list(page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return this.storage.apiKeys.list(page);
  }

  /** Revoked keys stop working on this replica at once and on every other within KEY_CACHE_MS. */
  async revoke(id: string): Promise<ApiKeyRecord> {
    assertId('id', id);
    const key = await this.storage.apiKeys.findById(id);
    if (key === null) throw new NotFoundError('API key', id);
    if (key.revokedAt !== null) return key;
    const revokedAt = this.now();
    await this.storage.apiKeys.update(id, { revokedAt });
    this.cache.clear();
    this.usable = null;
    return { ...key, revokedAt };
  }

  /** Whether any key could let someone in: with none, a loopback server stays open to local clients. */
  async hasUsableKeys(): Promise<boolean> {
    const at = Date.now();
    if (this.usable === null || at - this.usable.at > KEY_CACHE_MS) {
      this.usable = { value: (await this.storage.apiKeys.countUsable(this.now())) > 0, at };
    }
    return this.usable.value;
  }

  /** The principal a key token stands for, or null for an unknown, revoked or expired one. */
  async authenticate(token: string): Promise<Principal | null> {
    if (!token.startsWith(KEY_PREFIX)) return null;
    const hash = sha256(token);
    const at = Date.now();
    let entry = this.cache.get(hash);
    if (entry === undefined || at - entry.at > KEY_CACHE_MS) {
      entry = { key: await this.storage.apiKeys.findByHash(hash), at };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, entry);
    }
    const key = entry.key;
    // The lookup is by hash; comparing again in constant time costs nothing and keeps a
    // timing side channel on the index out of the question.
    if (key === null || !timingSafeEqual(Buffer.from(key.hash), Buffer.from(hash))) return null;
    if (!this.usableNow(key)) return null;
    if (key.lastUsedAt === null || this.now().getTime() - key.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
      const lastUsedAt = this.now();
      entry.key = { ...key, lastUsedAt };
      await this.storage.apiKeys.update(key.id, { lastUsedAt });
    }
    return principalOf(key);
  }

  /** Whether a principal authenticated by key earlier still holds (for long-lived WebSockets). */
  async stillValid(principal: Principal): Promise<boolean> {
    if (principal.expiresAt !== null && principal.expiresAt.getTime() <= this.now().getTime()) return false;
    if (principal.kind !== 'api-key') return true;
    const key = await this.storage.apiKeys.findById(principal.id);
    return key !== null && this.usableNow(key);
  }

  private usableNow(key: ApiKeyRecord): boolean {
    return key.revokedAt === null && (key.expiresAt === null || key.expiresAt.getTime() > this.now().getTime());
  }
}

export function parseRole(value: string, path = 'role'): Role {
  if (!(ROLES as readonly string[]).includes(value)) throw InvalidInputError.field(path, `must be one of ${ROLES.join(', ')}`);
  return value as Role;
}
