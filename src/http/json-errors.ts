import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Response } from 'express';

/**
 * The shape of every failure the server answers outside GraphQL execution, the same as
 * GraphQL's own: `{ errors: [{ message, extensions: { code, … } }] }`. The codes are
 * stable and listed in docs/subscriptions.md.
 */
export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export interface ErrorBody {
  readonly errors: readonly { readonly message: string; readonly extensions: Readonly<Record<string, unknown>> & { readonly code: string } }[];
}

export function errorBody(code: HttpErrorCode, message: string, extensions: Readonly<Record<string, unknown>> = {}): ErrorBody {
  return { errors: [{ message, extensions: { ...extensions, code } }] };
}

export function sendJsonError(res: Response, status: number, code: HttpErrorCode, message: string, extensions: Readonly<Record<string, unknown>> = {}): void {
  const requestId = typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
  res.status(status).type('application/json').send(JSON.stringify(errorBody(code, message, requestId === undefined ? extensions : { ...extensions, requestId })));
}

/**
 * The same answer written straight to a socket, where there is no response object: a
 * refused WebSocket upgrade, or a request Node could not parse.
 */
export function writeJsonError(socket: Duplex, status: number, code: HttpErrorCode, message: string): void {
  const body = JSON.stringify(errorBody(code, message));
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
}
