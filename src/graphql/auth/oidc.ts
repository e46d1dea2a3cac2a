import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ROLES, isProjectName, type Principal, type Role } from '../../core/access/access.js';
import { GraphnasError } from '../../errors/index.js';

export interface OidcOptions {
  readonly issuer: string;
  readonly audience: string;
  /** Where the issuer's signing keys are; absent: from its discovery document. */
  readonly jwksUri: string | null;
  /** The claim holding the graphnas role (a string, or an array of which the strongest known role wins). */
  readonly roleClaim: string;
  /** The claim holding the one project the token may touch; absent in a token: every project. */
  readonly projectClaim: string;
}

/** Strongest first: a token whose claim lists several roles gets the first of these it has. */
const STRENGTH: readonly Role[] = ['admin', 'operator', 'viewer', 'worker'];

function unauthenticated(message: string): GraphnasError {
  return new GraphnasError('UNAUTHENTICATED', message);
}

/**
 * Single sign-on for platforms: JWTs from an OIDC issuer, verified against its published
 * keys (jose fetches and caches the JWKS, and refetches on an unknown key id). The role
 * and project come from configured claims.
 */
export class OidcVerifier {
  private keys: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(private readonly options: OidcOptions) {}

  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.keys !== null) return this.keys;
    let uri = this.options.jwksUri;
    if (uri === null) {
      const discovery = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(discovery, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new GraphnasError('UNAVAILABLE', `the OIDC issuer's discovery document answered ${response.status}`);
      const document = (await response.json()) as { jwks_uri?: unknown };
      if (typeof document.jwks_uri !== 'string') throw new GraphnasError('UNAVAILABLE', 'the OIDC discovery document has no jwks_uri');
      uri = document.jwks_uri;
    }
    this.keys = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    return this.keys;
  }

  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keySet(), { issuer: this.options.issuer, audience: this.options.audience }));
    } catch (error) {
      if (error instanceof GraphnasError) throw error;
      if (error instanceof errors.JWTExpired) throw unauthenticated('the token has expired');
      if (error instanceof errors.JWTClaimValidationFailed) throw unauthenticated(`the token's "${error.claim}" claim is not accepted here`);
      if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
        throw unauthenticated("the token's signature does not verify against the issuer's keys");
      }
      if (error instanceof errors.JOSEError) throw unauthenticated(`the token is not valid (${error.code})`);
      throw new GraphnasError('UNAVAILABLE', 'the OIDC issuer cannot be reached to verify the token', { cause: error, retryable: true });
    }
    const claimed = payload[this.options.roleClaim];
    const roles = (Array.isArray(claimed) ? claimed : [claimed]).filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r));
    const role = STRENGTH.find((r) => roles.includes(r));
    if (role === undefined) throw unauthenticated(`the token carries no graphnas role in its "${this.options.roleClaim}" claim`);
    const project = payload[this.options.projectClaim];
    if (project !== undefined && (typeof project !== 'string' || !isProjectName(project))) {
      throw unauthenticated(`the token's "${this.options.projectClaim}" claim is not a project name`);
    }
    const subject = payload.sub ?? 'unknown';
    const name = typeof payload.preferred_username === 'string' ? payload.preferred_username : typeof payload.email === 'string' ? payload.email : subject;
    return {
      kind: 'oidc',
      id: `${this.options.issuer}#${subject}`.slice(0, 200),
      name,
      role,
      project: project ?? null,
      expiresAt: payload.exp === undefined ? null : new Date(payload.exp * 1000),
    };
  }
}
