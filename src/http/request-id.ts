import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

/** The request's id: the caller's `x-request-id` when it sends a sane one, else a new one. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : randomUUID();
}

/** Gives every request an id (`res.locals.requestId`) and echoes it in the response, whatever the route. */
export function assignRequestId(): RequestHandler {
  return (req, res, next) => {
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    next();
  };
}

/**
 * The request id of the work in progress, for code that is handed no request: Apollo's
 * `formatError` gets only the error, yet an internal error must be logged with the id
 * the client was given.
 */
const scope = new AsyncLocalStorage<string>();

export function withRequestId<T>(requestId: string, work: () => T): T {
  return scope.run(requestId, work);
}

export function currentRequestId(): string | null {
  return scope.getStore() ?? null;
}
