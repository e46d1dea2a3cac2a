import { GraphnasError, InvalidInputError } from '../errors/index.js';

/** The service layer's errors: the root vocabulary (src/errors) with the core's own cases named. */
export { GraphnasError, InvalidInputError, IssueList, joinPath, prefixIssues, type ErrorCode, type Issue } from '../errors/index.js';

export class NotFoundError extends GraphnasError {
  constructor(entity: string, id: string) {
    super('NOT_FOUND', `${entity} ${id} does not exist`, { details: { entity, id } });
  }
}

export class ConflictError extends GraphnasError {
  constructor(message: string, details: Readonly<Record<string, unknown>> = {}) {
    super('CONFLICT', message, { details });
  }
}

/** A worker reports on a trial whose lease it does not hold (any more): to it, "stop, it is not yours". */
export class LeaseLostError extends GraphnasError {
  constructor(message: string, status: string) {
    super('LEASE_LOST', message, { details: { status } });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isId(id: string): boolean {
  return UUID.test(id);
}

/** Ids are UUIDs; checking before the query turns a driver error into a clear one. */
export function assertId(path: string, id: string): void {
  if (!isId(id)) throw InvalidInputError.field(path, `"${id.slice(0, 64)}" is not a valid id (a UUID)`);
}
