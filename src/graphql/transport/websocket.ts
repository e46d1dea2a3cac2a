import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../../core/access/access.js';
import { KEY_CACHE_MS } from '../../core/keys/api-key.service.js';
import type { Services } from '../../core/services.js';
import { writeJsonError } from '../../http/json-errors.js';
import type { OriginPolicy } from '../../http/origin.js';
import type { Logger } from '../../logger.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GraphQLContext } from '../common/context.js';
import type { FormatError } from '../errors.js';
import { transportError, type OperationGuard } from './guard.js';

export interface WebSocketTransportOptions {
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly authenticator: Authenticator;
  readonly guard: OperationGuard;
  readonly formatError: FormatError;
  readonly originPolicy: OriginPolicy;
  readonly maxPayloadBytes: number;
  readonly httpServer: Server;
  readonly logger: Logger;
}

export interface WebSocketTransport {
  readonly server: WebSocketServer;
  close(code: number, reason: string): Promise<void>;
}

interface Connection {
  /** Prefixes the request id of each of its operations (`<connection>:<operation id>`). */
  readonly id: string;
  readonly principal: Principal;
}

const PATH = '/graphql';

/**
 * GraphQL over WebSocket (graphql-ws) on /graphql.
 *
 * The upgrade is refused, as JSON like every other failure, when it comes from a
 * browser page of an origin the policy does not allow (a page on another site would
 * otherwise drive the API with the user's network position or credentials; browsers
 * apply no CORS to WebSockets), or to another path.
 *
 * The credentials come in `connection_init` (`{ authorization: 'Bearer …' }`); a missing
 * or bad one closes the socket with 4403. Every operation passes the same guard as over
 * HTTP (rate, tokens, graphql's validation, rights, limits, cost), gets a context of its
 * own, and its errors leave through the same mapping. Connections whose key is revoked
 * or whose token expires are closed (4403) within KEY_CACHE_MS.
 */
export function serveGraphqlWs(options: WebSocketTransportOptions): WebSocketTransport {
  const { schema, authenticator, guard, formatError, originPolicy, logger } = options;
  const server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const connections = new Map<WebSocket, Connection>();
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== PATH) writeJsonError(socket, 404, 'NOT_FOUND', `no WebSocket endpoint at ${path}; it is ${PATH}`);
    else if (!originPolicy.allows(req.headers.origin, req.headers.host)) {
      logger.info({ origin: req.headers.origin }, 'websocket upgrade from a foreign origin refused');
      writeJsonError(socket, 403, 'FORBIDDEN', `WebSocket connections from the origin ${JSON.stringify(req.headers.origin)} are not allowed (GRAPHNAS_CORS_ORIGINS lists the allowed ones)`);
    } else if (closing) writeJsonError(socket, 503, 'UNAVAILABLE', 'the server is shutting down');
    else server.handleUpgrade(req, socket, head, (ws) => server.emit('connection', ws, req));
  };
  options.httpServer.on('upgrade', onUpgrade);
  // A malformed handshake (no key, a wrong version): ws would answer it in HTML.
  server.on('wsClientError', (error: Error, socket: Duplex) => writeJsonError(socket, 400, 'BAD_REQUEST', `not a WebSocket handshake: ${error.message}`));

  const requestIdOf = (socket: WebSocket, id: string): string | null => {
    const connection = connections.get(socket);
    return connection === undefined ? null : `${connection.id}:${id}`;
  };
  const format = (errors: readonly GraphQLError[], requestId: string | null): GraphQLFormattedError[] => errors.map((e) => formatError(e.toJSON(), e, requestId));

  const cleanup = useServer<Record<string, unknown> | undefined, { socket: WebSocket }>(
    {
      schema,
      // Close reasons never carry an error's message, whatever NODE_ENV is.
      isProd: true,
      onConnect: async (ctx) => {
        try {
          const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
          connections.set(ctx.extra.socket, { id: randomUUID(), principal });
          return true;
        } catch (error) {
          logger.debug({ err: error }, 'websocket connection refused');
          return false;
        }
      },
      onDisconnect: (ctx) => {
        connections.delete(ctx.extra.socket);
      },
      onSubscribe: async (ctx, id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (connection === undefined) return [new GraphQLError('not connected', { extensions: { code: 'UNAUTHENTICATED' } })];
        const contextValue: GraphQLContext = {
          services: options.services,
          principal: connection.principal,
          requestId: `${connection.id}:${id}`,
          transport: 'websocket',
        };
        // Whatever fails here is answered on this operation: graphql-ws would close the
        // whole connection (4500) on an error thrown out of this hook.
        try {
          const document = await guard.admit(payload.query, contextValue);
          if (document === null) throw new GraphQLError('the operation has no document', { extensions: { code: 'BAD_REQUEST' } });
          const invalid = validate(schema, document, specifiedRules);
          if (invalid.length > 0) return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
          await guard.check(document, payload.operationName, payload.variables, contextValue);
          return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
        } catch (error) {
          return [transportError(error)];
        }
      },
      onError: (ctx, id, _payload, errors) => format(errors, requestIdOf(ctx.extra.socket, id)),
      onNext: (ctx, id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors, requestIdOf(ctx.extra.socket, id)) } : undefined),
    },
    server,
  );

  // graphql-ws takes any error on a socket for its own bug: it prints the stack to
  // stderr and closes with 4500. The ones ws raises are the client's protocol faults (a
  // frame past maxPayload, a bad opcode), for which ws has already closed the socket
  // with the code that says so (1009, 1002); they are the client's, logged as such.
  server.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) => logger.info({ code: error.code, message: error.message }, 'websocket closed on a protocol error'));
  });

  const revocation = setInterval(() => {
    for (const [socket, connection] of connections) {
      authenticator.stillValid(connection.principal).then(
        (valid) => {
          if (!valid) socket.close(CloseCode.Forbidden, 'Forbidden: the credentials were revoked or expired');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not re-check a websocket credential'),
      );
    }
  }, KEY_CACHE_MS);
  revocation.unref();

  return {
    server,
    async close(code, reason) {
      closing = true;
      clearInterval(revocation);
      for (const client of server.clients) client.close(code, reason);
      await cleanup.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
