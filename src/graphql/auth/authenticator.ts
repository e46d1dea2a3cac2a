import type { Principal } from '../../core/access/access.js';
import { KEY_PREFIX, type ApiKeyService } from '../../core/keys/api-key.service.js';
import { GraphnasError } from '../../errors/index.js';
import type { Logger } from '../../logger.js';
import type { OidcVerifier } from './oidc.js';

/**
 * `on`: every call needs an API key or a token. `off`: nobody is asked (an operator's
 * explicit choice, e.g. behind a gateway that authenticates). `auto`: like `on`, except
 * that a server bound to loopback with no usable key and no OIDC issuer lets local
 * clients in as admin, so a newcomer can start and create the first key.
 */
export type AuthMode = 'auto' | 'on' | 'off';

export interface AuthPolicy {
  readonly mode: AuthMode;
  /** The server listens on a loopback address only. */
  readonly loopbackOnly: boolean;
}

export const ANONYMOUS: Principal = { kind: 'anonymous', id: 'anonymous', name: 'anyone (GRAPHNAS_AUTH=off)', role: 'admin', project: null, expiresAt: null };
export const LOCAL: Principal = { kind: 'local', id: 'local', name: 'a local client (no API key exists yet)', role: 'admin', project: null, expiresAt: null };

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

function unauthenticated(message: string): GraphnasError {
  return new GraphnasError('UNAUTHENTICATED', message);
}

/** Turns the credentials a request carries (HTTP `Authorization`, or graphql-ws `connection_init`) into a principal. */
export class Authenticator {
  private openLogged = false;

  constructor(
    private readonly keys: ApiKeyService,
    private readonly oidc: OidcVerifier | null,
    private readonly policy: AuthPolicy,
    private readonly logger: Logger,
  ) {}

  /** Whether calls without credentials are let in right now. */
  async open(): Promise<boolean> {
    if (this.policy.mode === 'off') return true;
    if (this.policy.mode === 'on' || !this.policy.loopbackOnly || this.oidc !== null) return false;
    const open = !(await this.keys.hasUsableKeys());
    if (open && !this.openLogged) {
      this.openLogged = true;
      this.logger.warn('no API key exists: local clients are admin until one is created (graphnas keys create --role admin)');
    }
    if (!open) this.openLogged = false;
    return open;
  }

  /** `Bearer <token>` or the bare token; absent or empty means none. */
  async authenticate(credential: unknown): Promise<Principal> {
    if (this.policy.mode === 'off') return ANONYMOUS;
    const token = typeof credential === 'string' ? credential.replace(/^\s*bearer\s+/i, '').trim() : '';
    if (token === '') {
      if (await this.open()) return LOCAL;
      throw unauthenticated('this API needs an API key or an OIDC token: send Authorization: Bearer <token>');
    }
    if (token.startsWith(KEY_PREFIX)) {
      const principal = await this.keys.authenticate(token);
      if (principal === null) throw unauthenticated('the API key is unknown, revoked or expired');
      return principal;
    }
    if (this.oidc === null) throw unauthenticated(`not an API key (they start with ${KEY_PREFIX}), and no OIDC issuer is configured`);
    return this.oidc.verify(token);
  }

  /** For long-lived connections: whether a principal authenticated earlier still may act. */
  async stillValid(principal: Principal): Promise<boolean> {
    return this.keys.stillValid(principal);
  }
}
