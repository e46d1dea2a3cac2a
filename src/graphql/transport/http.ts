import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import type { Services } from '../../core/services.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GraphQLContext, LocalPubSub } from '../common/context.js';
import { transportError, type OperationGuard } from './guard.js';

export interface HttpTransportOptions {
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly pubSub: LocalPubSub;
  readonly authenticator: Authenticator;
  readonly guard: OperationGuard;
  readonly validationRules: readonly ValidationRule[];
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly maxBodyBytes: number;
  readonly httpServer: Server;
}

/** The request's id: the caller's `x-request-id` when it sends a sane one, else a new one; echoed in the response. */
export function requestIdOf(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given !== undefined && /^[A-Za-z0-9._-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * GraphQL over HTTP: Apollo on /graphql, a context per request with the caller's
 * principal, and the operation guard before execution.
 */
export async function mountGraphqlHttp(app: Express, options: HttpTransportOptions): Promise<ApolloServer<GraphQLContext>> {
  const { guard } = options;
  const guardPlugin: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operationName, contextValue }) {
          try {
            await guard.check(document, operationName, contextValue);
          } catch (error) {
            throw transportError(error);
          }
        },
      };
    },
  };
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    formatError: options.formatError,
    validationRules: [...options.validationRules],
    introspection: true,
    // The CLI owns signal handling and shuts everything down in order; Apollo's own
    // handler would race it and hold the drain for its full grace period.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }), guardPlugin],
  });
  await apollo.start();
  app.use(
    '/graphql',
    (req, res, next) => {
      res.locals.requestId = requestIdOf(req.headers['x-request-id']);
      res.setHeader('x-request-id', res.locals.requestId as string);
      next();
    },
    express.json({ limit: options.maxBodyBytes }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        try {
          const principal = await options.authenticator.authenticate(req.headers.authorization);
          return { services: options.services, pubSub: options.pubSub, principal, requestId: res.locals.requestId as string, transport: 'http' as const };
        } catch (error) {
          throw transportError(error);
        }
      },
    }),
  );
  return apollo;
}
