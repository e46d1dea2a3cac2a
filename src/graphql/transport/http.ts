import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import type { Express, Request } from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { Services } from '../../core/services.js';
import { jsonBody } from '../../http/failures.js';
import { withRequestId } from '../../http/request-id.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GraphQLContext } from '../common/context.js';
import type { FormatError } from '../errors.js';
import { createLoaders } from '../loaders.js';
import { transportError, type OperationGuard } from './guard.js';
import { errorCodes, operationIdentity, type OperationObserver } from './observe.js';

export interface HttpTransportOptions {
  readonly schema: GraphQLSchema;
  readonly services: Services;
  readonly authenticator: Authenticator;
  readonly guard: OperationGuard;
  readonly formatError: FormatError;
  readonly maxBodyBytes: number;
  readonly httpServer: Server;
  readonly observer?: OperationObserver;
}

/** Tells the observer of each request's operation once it is answered. */
function observingPlugin(observer: OperationObserver): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      let done: ((codes: readonly string[]) => void) | null = null;
      return {
        async didResolveOperation({ document, operationName }) {
          const { type, name } = operationIdentity(document, operationName);
          done = observer.operation('http', type, name);
        },
        async willSendResponse({ response }) {
          // Refused before it resolved (parse, validation): counted, with no operation to name.
          done ??= observer.operation('http', 'unknown', '(unresolved)');
          done(errorCodes(response.body.kind === 'single' ? response.body.singleResult.errors : undefined));
        },
      };
    },
  };
}

/** The document a request carries, where Apollo will look for it (a POST's body, a GET's query string). */
function sourceOf(req: Request): string | undefined {
  const body: unknown = req.body;
  const query = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { query?: unknown }).query : req.method === 'GET' ? req.query.query : undefined;
  return typeof query === 'string' ? query : undefined;
}

/**
 * GraphQL over HTTP: Apollo on /graphql. The context, one per request, is where the
 * caller is authenticated and admitted (rate, tokens) before Apollo parses anything;
 * the guard's check runs once the operation is resolved. Errors leave through the one
 * mapping, inside the request's id scope so that internal ones are logged with it.
 */
export async function mountGraphqlHttp(app: Express, options: HttpTransportOptions): Promise<ApolloServer<GraphQLContext>> {
  const { guard } = options;
  const guardPlugin: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, operationName, request, contextValue }) {
          // Apollo would run a subscription's resolvers once, as if it were a query.
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('subscriptions are served over WebSocket (graphql-ws) on this same path', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          try {
            await guard.check(document, operationName, request.variables, contextValue);
          } catch (error) {
            throw transportError(error);
          }
        },
      };
    },
  };
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    formatError: (formatted, error) => options.formatError(formatted, error),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    // The CLI owns signal handling and shuts everything down in order; Apollo's own
    // handler would race it and hold the drain for its full grace period.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer: options.httpServer }), guardPlugin, ...(options.observer ? [observingPlugin(options.observer)] : [])],
  });
  await apollo.start();
  const graphql = expressMiddleware(apollo, {
    context: async ({ req, res }) => {
      try {
        const principal = await options.authenticator.authenticate(req.headers.authorization);
        const context: GraphQLContext = {
          services: options.services,
          principal,
          requestId: res.locals.requestId as string,
          transport: 'http',
          loaders: createLoaders(options.services),
        };
        await guard.admit(sourceOf(req), context);
        return context;
      } catch (error) {
        throw transportError(error);
      }
    },
  });
  app.use('/graphql', ...jsonBody(options.maxBodyBytes), (req, res, next) => withRequestId(res.locals.requestId as string, () => graphql(req, res, next)));
  return apollo;
}
