/**
 * Errors a client can act on. Each carries a stable `code` that the GraphQL layer puts in
 * `extensions.code`; anything that is not a DomainError is reported as an internal error
 * without its message (which may hold SQL or paths).
 */
export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'CONFLICT' | 'LEASE_LOST' | 'UNAVAILABLE';

/** A precise pointer to what was wrong in the input, e.g. `input.budget.maxTrials`. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class BadInputError extends DomainError {
  constructor(
    message: string,
    readonly fields: readonly FieldError[],
  ) {
    super('BAD_USER_INPUT', message, { fields });
  }

  static field(path: string, message: string): BadInputError {
    return new BadInputError(`${path}: ${message}`, [{ path, message }]);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super('NOT_FOUND', `${entity} ${id} does not exist`, { entity, id });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('CONFLICT', message, details);
  }
}

/**
 * Collects field errors so that a client sees every problem of an input at once rather
 * than fixing them one round-trip at a time.
 */
export class FieldErrors {
  private readonly errors: FieldError[] = [];

  add(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  get isEmpty(): boolean {
    return this.errors.length === 0;
  }

  throwIfAny(summary: string): void {
    if (this.errors.length === 0) return;
    const first = this.errors[0]!;
    const more = this.errors.length > 1 ? ` (and ${this.errors.length - 1} more)` : '';
    throw new BadInputError(`${summary}: ${first.path}: ${first.message}${more}`, [...this.errors]);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; checking before the query turns a driver error into a clear one. */
export function assertId(path: string, id: string): void {
  if (!UUID.test(id)) throw BadInputError.field(path, `"${id.slice(0, 64)}" is not a valid id (a UUID)`);
}
