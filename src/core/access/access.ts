/**
 * Who is calling and what they may do. Every API field declares the permission it needs
 * (src/graphql/auth); a role grants a set of permissions; a principal scoped to a project
 * sees and touches nothing outside it (the services check the scope, and answer NOT_FOUND
 * rather than reveal that something exists elsewhere).
 */

/** `viewer` reads; `operator` also runs searches; `worker` only evaluates trials; `admin` does everything. */
export type Role = 'viewer' | 'operator' | 'worker' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'operator', 'worker', 'admin'];

/** What a field needs. */
export enum Permission {
  /** Queries and subscriptions: search spaces, experiments, trials. */
  READ = 'read',
  /** Create, start, pause, resume, cancel and delete search spaces and experiments. */
  OPERATE = 'operate',
  /** The ask/tell mutations: claim, heartbeat, report, complete, fail. */
  WORK = 'work',
  /** API keys and the audit trail. */
  ADMINISTER = 'administer',
  /** Who am I: every authenticated caller. */
  SELF = 'self',
}

const GRANTS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: [Permission.SELF, Permission.READ],
  operator: [Permission.SELF, Permission.READ, Permission.OPERATE],
  worker: [Permission.SELF, Permission.WORK],
  admin: [Permission.SELF, Permission.READ, Permission.OPERATE, Permission.WORK, Permission.ADMINISTER],
};

export function allows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** Where a principal's identity comes from. */
export type PrincipalKind = 'api-key' | 'oidc' | 'local' | 'anonymous';

export interface Principal {
  readonly kind: PrincipalKind;
  /** Stable: the key's id, the token's subject, `local` or `anonymous`. */
  readonly id: string;
  /** For people: the key's name, the token's preferred name. */
  readonly name: string;
  readonly role: Role;
  /** The one project this principal may see and touch; null for every project. */
  readonly project: string | null;
  /** When its credential stops being valid (an OIDC token's `exp`); null when the store decides (keys) or never. */
  readonly expiresAt: Date | null;
}

/** The project scope a service call runs under: one project, or null for all. */
export type ProjectScope = string | null;

export const DEFAULT_PROJECT = 'default';

export function inScope(scope: ProjectScope, project: string): boolean {
  return scope === null || scope === project;
}

/**
 * The identity a worker reports under: the principal, not a name the caller picks, so
 * that one worker cannot complete another's trial by naming it. Without a key (local
 * or open access) the caller's worker name is all there is to go on.
 */
export function workerIdentity(principal: Principal, workerName: string | null): string | null {
  if (principal.kind === 'api-key' || principal.kind === 'oidc') return `${principal.kind}:${principal.id}`;
  return workerName;
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Project names are short lower-case identifiers: they appear in URLs, claims and logs. */
export function isProjectName(value: string): boolean {
  return PROJECT_NAME.test(value);
}
