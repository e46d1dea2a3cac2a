import type { Server } from 'node:http';
import { GraphQLError, parse, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../../core/access/access.js';
import { KEY_CACHE_MS } from '../../core/keys/api-key.service.js';
import type { Services } from '../../core/services.js';
import type { Logger } from '../../logger.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GraphQLContext, LocalPubSub } from '../common/context.js';
import { transportError, type OperationGuard } from './guard.js';
import { requestIdOf } from './http.js';

export interface WebSocketTransportOptions {
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly pubSub: LocalPubSub;
  readonly authenticator: Authenticator;
  readonly guard: OperationGuard;
  readonly validationRules: readonly ValidationRule[];
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly maxPayloadBytes: number;
  readonly httpServer: Server;
  readonly logger: Logger;
}

export interface WebSocketTransport {
  readonly server: WebSocketServer;
  close(code: number, reason: string): Promise<void>;
}

interface Connection {
  readonly principal: Principal;
}

/**
 * GraphQL over WebSocket (graphql-ws) on /graphql: the credentials come in
 * `connection_init` (`{ authorization: 'Bearer …' }`); a missing or bad one closes the
 * socket with 4403. Every operation gets the same validation, guard and error mapping as
 * over HTTP, and a context of its own. Connections whose key is revoked or whose token
 * expires are closed (4403) within KEY_CACHE_MS.
 */
export function serveGraphqlWs(options: WebSocketTransportOptions): WebSocketTransport {
  const { schema, authenticator, guard, formatError, logger } = options;
  const server = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const connections = new Map<WebSocket, Connection>();
  const rules = options.validationRules;
  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] => errors.map((e) => formatError(e.toJSON(), e));

  const cleanup = useServer<Record<string, unknown> | undefined, { socket: WebSocket }>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
          connections.set(ctx.extra.socket, { principal });
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
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('could not parse the operation', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length > 0) return invalid;
        const contextValue: GraphQLContext = {
          services: options.services,
          pubSub: options.pubSub,
          principal: connection.principal,
          requestId: `${requestIdOf(undefined)}:${id}`,
          transport: 'websocket',
        };
        try {
          await guard.check(document, payload.operationName, contextValue);
        } catch (error) {
          return [transportError(error)];
        }
        return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
    },
    server,
  );

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
      clearInterval(revocation);
      for (const client of server.clients) client.close(code, reason);
      await cleanup.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
