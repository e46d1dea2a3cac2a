import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConfigError, type Config } from './config.js';
import type { Services } from './core/services.js';
import { serveDashboard } from './dashboard/serve.js';
import { openDatabase, type Database } from './db/database.js';
import { auditMutations } from './graphql/audit.js';
import { Authenticator, isLoopback } from './graphql/auth/authenticator.js';
import { OidcVerifier } from './graphql/auth/oidc.js';
import { formatError } from './graphql/errors.js';
import { OperationLimits, PrincipalRateLimiter } from './graphql/limits/index.js';
import { createSchema } from './graphql/schema.js';
import { OperationGuard } from './graphql/transport/guard.js';
import { mountGraphqlHttp } from './graphql/transport/http.js';
import { serveGraphqlWs, type WebSocketStats } from './graphql/transport/websocket.js';
import { serveArtifacts } from './http/artifacts.js';
import { answerClientErrors, errorHandler, notFound } from './http/failures.js';
import { errorBody } from './http/json-errors.js';
import { OriginPolicy, originGuard } from './http/origin.js';
import { metricsRoute } from './http/metrics.js';
import { assignRequestId } from './http/request-id.js';
import type { Logger } from './logger.js';
import { selectBackend } from './evaluation/backend/index.js';
import { configureMachine } from './evaluation/machine.js';
import { ServiceMetrics } from './metrics/service-metrics.js';
import { openServices } from './open-services.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly services: Services;
  readonly database: Database;
  /** WebSocket sockets, connections and their operations now (also logged when they change). */
  websocketStats(): WebSocketStats;
  /** Graceful: stops accepting, closes WebSockets (1001), finishes requests, closes the database. */
  close(): Promise<void>;
}

/** WebSocket close code sent to subscribers when the server shuts down (RFC 6455 "going away"). */
export const CLOSE_GOING_AWAY = 1001;

// The services without the HTTP stack live beside it: `graphnas run` and the store's
// inspection commands open them without loading GraphQL, Express or the dashboard.
export { openServices };


/** Who may call, decided from the configuration; refuses to start a server nobody could use safely. */
async function createAuthenticator(config: Config, services: Services, logger: Logger): Promise<Authenticator> {
  if (config.adminKey !== null) await services.keys.installAdminKey(config.adminKey);
  const oidc = config.oidc ? new OidcVerifier(config.oidc) : null;
  const loopbackOnly = isLoopback(config.host);
  if (config.auth === 'off') {
    logger.warn({ host: config.host }, 'GRAPHNAS_AUTH=off: every caller is admin; put an authenticating gateway in front of this server');
  } else if (!loopbackOnly && oidc === null && !(await services.keys.hasUsableKeys())) {
    throw new ConfigError(
      `graphnas would listen on ${config.host} and nobody could authenticate: create an admin key first ` +
        '(graphnas keys create --name admin --role admin), or set GRAPHNAS_ADMIN_KEY or GRAPHNAS_OIDC_ISSUER; ' +
        'GRAPHNAS_AUTH=off runs without authentication',
    );
  }
  return new Authenticator(services.keys, oidc, { mode: config.auth, loopbackOnly }, logger);
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  configureMachine({ backend: config.tfBackend, fashionMnistDir: config.fashionMnistDir });
  const database = await openDatabase(
    { url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: config.dbPoolSize },
    logger,
  );
  const metrics = new ServiceMetrics();
  let services: Services;
  let authenticator: Authenticator;
  try {
    await database.migrate();
    services = await openServices(database, config, logger, metrics);
    authenticator = await createAuthenticator(config, services, logger);
  } catch (error) {
    await database.close();
    throw error;
  }

  // The controller's tensors live in this process; the backend is chosen once, here.
  const backend = await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
  logger.info({ backend: backend.name, reason: backend.reason }, 'tensorflow.js backend selected');

  const schema = await createSchema(services);
  auditMutations(schema, logger);
  const { limits } = config;
  const rate = limits.rateLimit > 0 ? new PrincipalRateLimiter(limits.rateLimit, limits.rateWindowSeconds) : null;
  const guard = new OperationGuard(schema, logger, new OperationLimits(schema, limits), rate);
  const format = formatError(logger, { fieldSuggestions: limits.fieldSuggestions });
  const originPolicy = new OriginPolicy(config.allowedOrigins);

  const app = express();
  app.disable('x-powered-by');
  app.use(assignRequestId(), ...originGuard(originPolicy));
  const httpServer: Server = createServer(app);
  answerClientErrors(httpServer);
  const websockets = serveGraphqlWs({
    schema,
    services,
    authenticator,
    guard,
    formatError: format,
    originPolicy,
    maxPayloadBytes: config.maxBodyBytes,
    maxOperationsPerConnection: config.maxOperationsPerConnection,
    httpServer,
    logger,
    observer: metrics,
  });
  metrics.watch({ storage: services.storage, feed: services.feed, events: services.events, pool: () => database.poolStats(), websocketConnections: () => websockets.server.clients.size });

  let ready = true;
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    let reason: string;
    try {
      if (!ready) reason = 'shutting down';
      else {
        await database.dataSource.query('SELECT 1');
        reason = (await database.hasPendingMigrations()) ? 'migrations pending' : '';
      }
    } catch (error) {
      // The driver's message can name hosts and users: it goes to the log only.
      logger.warn({ err: error, requestId: res.locals.requestId }, 'readiness check: the database does not answer');
      reason = 'the database does not answer';
    }
    if (reason === '') res.json({ status: 'ready', database: database.mode });
    else res.status(503).json({ status: 'unavailable', ...errorBody('UNAVAILABLE', reason, { requestId: res.locals.requestId }) });
  });
  const apollo = await mountGraphqlHttp(app, { schema, services, authenticator, guard, formatError: format, maxBodyBytes: config.maxBodyBytes, httpServer, observer: metrics });
  app.get('/metrics', metricsRoute({ registry: metrics.registry, authenticate: (header) => authenticator.authenticate(header), logger }));
  app.use(serveArtifacts({ authenticator, finalizations: services.finalizations, logger }));
  app.use(serveDashboard({ logger }));
  app.use(notFound(), errorHandler(logger));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  await services.scheduler?.start();
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}/graphql`;
  // Beside the store's lock, so that a CLI refused the store can say where to send its work.
  database.recordServedUrl(url);
  logger.info({ url, database: database.mode }, 'graphnas is serving');

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ready = false;
      logger.info('shutting down');
      await websockets.close(CLOSE_GOING_AWAY, 'server shutting down');
      logger.debug('websockets closed');
      // Stops accepting and waits for in-flight requests (the drain plugin), up to the timeout.
      const drained = apollo.stop();
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      await Promise.race([drained, timeout]);
      logger.debug('http drained');
      httpServer.closeAllConnections();
      // In-process evaluations are handed back as PENDING, so a restart resumes them.
      await services.scheduler?.stop();
      services.feed.close();
      metrics.close();
      await services.events.close();
      await database.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, port, services, database, websocketStats: () => websockets.stats(), close };
}
