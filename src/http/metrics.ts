import type { RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import { Permission, allows, type Principal } from '../core/access/access.js';
import { GraphnasError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { sendJsonError } from './json-errors.js';

export interface MetricsRouteOptions {
  readonly registry: Registry;
  /** Who the `Authorization` header names (the API's own authenticator); throws UNAUTHENTICATED. */
  readonly authenticate: (authorization: string | undefined) => Promise<Principal>;
  readonly logger: Logger;
}

/**
 * `GET /metrics` in Prometheus' text format. It needs the same credentials as a query
 * (`Authorization: Bearer` with a key that may read), from a principal scoped to no
 * project: the metrics name every project's experiments, which a scoped key must not
 * see. Prometheus sends one with `authorization: { credentials_file: … }`.
 */
export function metricsRoute(options: MetricsRouteOptions): RequestHandler {
  return async (req, res) => {
    let principal: Principal;
    try {
      principal = await options.authenticate(req.headers.authorization);
    } catch (error) {
      if (!(error instanceof GraphnasError)) throw error;
      sendJsonError(res, error.code === 'UNAUTHENTICATED' ? 401 : 503, error.code === 'UNAUTHENTICATED' ? 'UNAUTHENTICATED' : 'UNAVAILABLE', error.message);
      return;
    }
    if (!allows(principal.role, Permission.READ) || principal.project !== null) {
      sendJsonError(res, 403, 'FORBIDDEN', 'the metrics need a key that may read every project (a viewer, operator or admin key with no project)');
      return;
    }
    try {
      const text = await options.registry.metrics();
      res.status(200).type(options.registry.contentType).send(text);
    } catch (error) {
      options.logger.error({ err: error, requestId: res.locals.requestId }, 'metrics collection failed');
      sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'INTERNAL_SERVER_ERROR');
    }
  };
}
