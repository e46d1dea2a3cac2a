import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
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
import { createLoaders } from '../loaders.js';
import { transportError, type OperationGuard } from './guard.js';
import { sharedSubscribe } from './shared-subscribe.js';
import { serveGraphqlWsOn } from './ws-server.js';
import { errorCodes, operationIdentity, type OperationObserver } from './observe.js';

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
  readonly observer?: OperationObserver;
  /**
   * Operations one connection may run at once (subscriptions, and queries in flight); one
   * more is refused with LIMIT_EXCEEDED (`limit: "operations"`), the others go on.
   * @default 100
   */
  readonly maxOperationsPerConnection?: number;
  /**
   * How often the connection count is logged, when it changed.
   * @default 60000
   */
  readonly statsLogMs?: number;
}

/** What the transport holds now, for /metrics and the log. */
export interface WebSocketStats {
  /** Open sockets, authenticated or not yet. */
  readonly sockets: number;
  /** Sockets whose `connection_init` was accepted. */
  readonly connections: number;
  /** Operations running on them: subscriptions, and queries and mutations in flight. */
  readonly operations: number;
}

export interface WebSocketTransport {
  readonly server: WebSocketServer;
  stats(): WebSocketStats;
  close(code: number, reason: string): Promise<void>;
}

interface Connection {
  /** Prefixes the request id of each of its operations (`<connection>:<operation id>`). */
  readonly id: string;
  readonly principal: Principal;
  /** graphql-ws's own record of the connection's operations, by id. */
  readonly operations: () => number;
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
  const maxOperations = options.maxOperationsPerConnection ?? 100;
  const server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes });
  const connections = new Map<WebSocket, Connection>();
  /** Operations running, by request id, with their errors so far: told to the observer when they complete. */
  const observed = new Map<string, { done: (codes: readonly string[]) => void; codes: string[] }>();
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

  const cleanup = serveGraphqlWsOn(
    {
      schema,
      subscribe: sharedSubscribe(),
      onConnect: async (ctx) => {
        try {
          const principal = await authenticator.authenticate(ctx.connectionParams?.authorization);
          connections.set(ctx.extra.socket, { id: randomUUID(), principal, operations: () => Object.keys(ctx.subscriptions).length });
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
          loaders: createLoaders(options.services),
        };
        // Whatever fails here is answered on this operation: graphql-ws would close the
        // whole connection (4500) on an error thrown out of this hook.
        // A refused operation is told to the observer here; one that runs, when it completes.
        let refused = (errors: readonly GraphQLError[]): readonly GraphQLError[] => {
          options.observer?.operation('websocket', 'unknown', '(unresolved)')(errorCodes(errors.map((e) => e.toJSON())));
          return errors;
        };
        // graphql-ws has registered this one already.
        if (connection.operations() > maxOperations) {
          return refused([
            new GraphQLError(`a connection may run at most ${maxOperations} operations at once; complete one first, or open another connection`, {
              extensions: { code: 'LIMIT_EXCEEDED', limit: 'operations', max: maxOperations },
            }),
          ]);
        }
        try {
          const document = await guard.admit(payload.query, contextValue);
          if (document === null) throw new GraphQLError('the operation has no document', { extensions: { code: 'BAD_REQUEST' } });
          const invalid = validate(schema, document, specifiedRules);
          if (invalid.length > 0) return refused(invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })));
          const { type, name } = operationIdentity(document, payload.operationName);
          const done = options.observer?.operation('websocket', type, name);
          if (done) refused = (errors) => (done(errorCodes(errors.map((e) => e.toJSON()))), errors);
          await guard.check(document, payload.operationName, payload.variables, contextValue);
          if (done) observed.set(contextValue.requestId, { done, codes: [] });
          return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined, contextValue };
        } catch (error) {
          return refused([transportError(error)]);
        }
      },
      onError: (ctx, id, _payload, errors) => {
        const requestId = requestIdOf(ctx.extra.socket, id);
        const formatted = format(errors, requestId);
        // An error while it runs (a subscription ended as a slow consumer); it completes next.
        if (requestId !== null) observed.get(requestId)?.codes.push(...errorCodes(formatted));
        return formatted;
      },
      onNext: (ctx, id, _payload, _args, result) => {
        if (!result.errors) return undefined;
        const requestId = requestIdOf(ctx.extra.socket, id);
        const formatted = format(result.errors, requestId);
        if (requestId !== null) observed.get(requestId)?.codes.push(...errorCodes(formatted));
        return { ...result, errors: formatted };
      },
      onComplete: (ctx, id) => {
        const requestId = requestIdOf(ctx.extra.socket, id);
        const running = requestId === null ? undefined : observed.get(requestId);
        if (running === undefined) return;
        observed.delete(requestId!);
        running.done(running.codes);
      },
    },
    server,
    logger,
  );

  // Once per credential, not per connection: ten thousand dashboards on a few keys would
  // otherwise look their keys up thousands of times a second.
  const revocation = setInterval(() => {
    const byCredential = new Map<string, { principal: Principal; sockets: WebSocket[] }>();
    for (const [socket, { principal }] of connections) {
      const credential = `${principal.kind}:${principal.id}:${principal.expiresAt?.getTime() ?? ''}`;
      const group = byCredential.get(credential) ?? { principal, sockets: [] };
      group.sockets.push(socket);
      byCredential.set(credential, group);
    }
    for (const { principal, sockets } of byCredential.values()) {
      authenticator.stillValid(principal).then(
        (valid) => {
          if (!valid) for (const socket of sockets) socket.close(CloseCode.Forbidden, 'Forbidden: the credentials were revoked or expired');
        },
        (error: unknown) => logger.warn({ err: error }, 'could not re-check a websocket credential'),
      );
    }
  }, KEY_CACHE_MS);
  revocation.unref();

  const stats = (): WebSocketStats => {
    let operations = 0;
    for (const connection of connections.values()) operations += connection.operations();
    return { sockets: server.clients.size, connections: connections.size, operations };
  };
  let logged = '';
  const statsLog = setInterval(() => {
    const now = stats();
    const line = JSON.stringify(now);
    if (line !== logged) logger.info(now, 'websocket connections');
    logged = line;
  }, options.statsLogMs ?? 60_000);
  statsLog.unref();

  return {
    server,
    stats,
    async close(code, reason) {
      closing = true;
      clearInterval(revocation);
      clearInterval(statsLog);
      for (const client of server.clients) client.close(code, reason);
      await cleanup.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
