import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Logger } from '../logger.js';
import { sendJsonError, writeJsonError, type HttpErrorCode } from './json-errors.js';

/**
 * Every way a request can fail before GraphQL sees it, answered as GraphQL-shaped JSON
 * with a stable code, whatever NODE_ENV is: Express's own handlers would answer HTML
 * pages, with a stack trace and absolute paths outside production.
 */

/** Bodies must be JSON; anything else is refused before it is read. */
export function jsonBody(maxBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, res, next) => {
    // null: no body at all, which Apollo answers itself (a GET, or a POST without one)
    if (req.is('application/json') !== false) {
      next();
      return;
    }
    const given = req.headers['content-type'];
    sendJsonError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', given === undefined ? 'a body needs Content-Type: application/json' : `a body needs Content-Type: application/json, not ${JSON.stringify(given)}`);
  };
  return [requireJson, express.json({ limit: maxBytes })];
}

/** For routes that do not exist: after every route. */
export function notFound(): RequestHandler {
  return (req, res) => {
    sendJsonError(res, 404, 'NOT_FOUND', `no route ${req.method} ${req.path}`);
  };
}

interface HttpError {
  readonly status?: unknown;
  readonly statusCode?: unknown;
  readonly expose?: unknown;
  readonly type?: unknown;
  readonly limit?: unknown;
  readonly message?: unknown;
}

function codeFor(status: number): HttpErrorCode {
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  return 'BAD_REQUEST';
}

/**
 * The last handler: body-parser's refusals (malformed JSON, too large, an unsupported
 * charset or encoding) keep their status under a stable code; anything else is a bug,
 * logged with the request id and answered as an opaque 500.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const e = (typeof error === 'object' && error !== null ? error : {}) as HttpError;
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    if (status >= 400 && status < 500 && e.expose === true) {
      const message =
        e.type === 'entity.parse.failed'
          ? 'the body is not valid JSON'
          : status === 413 && typeof e.limit === 'number'
            ? `the body is larger than ${e.limit} bytes (GRAPHNAS_MAX_BODY_BYTES)`
            : typeof e.message === 'string'
              ? e.message
              : (STATUS_CODES[status] ?? 'bad request');
      sendJsonError(res, status, codeFor(status), message);
      return;
    }
    logger.error({ err: error, requestId: res.locals.requestId, method: req.method, path: req.path }, 'unexpected error while serving a request');
    sendJsonError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/**
 * Requests Node's HTTP parser refuses (malformed, headers too large, too slow) get the
 * same JSON instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_HEADER_OVERFLOW') writeJsonError(socket, 431, 'HEADERS_TOO_LARGE', 'the request headers are too large');
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') writeJsonError(socket, 408, 'BAD_REQUEST', 'the request took too long to arrive');
    else writeJsonError(socket, 400, 'BAD_REQUEST', 'the request is not valid HTTP');
  });
}
