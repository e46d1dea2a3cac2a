import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ConfigError, type Config } from './config.js';
import { AuditService } from './core/audit/audit.service.js';
import { ApiKeyService } from './core/keys/api-key.service.js';
import { LocalEventBus, type CommitListener, type EventBus } from './core/events/event-bus.js';
import { EventFeed } from './core/events/event-feed.js';
import { ExperimentLifecycleService } from './core/experiments/experiment-lifecycle.service.js';
import { ExperimentService } from './core/experiments/experiment.service.js';
import { Scheduler } from './core/scheduler/scheduler.js';
import { SearchSpaceService } from './core/search-spaces/search-space.service.js';
import type { Services } from './core/services.js';
import { TrialService } from './core/trials/trial.service.js';
import { WorkerService } from './core/workers/worker.service.js';
import { serveDashboard } from './dashboard/serve.js';
import { openDatabase, type Database } from './db/database.js';
import { PgEventBus } from './db/pg-event-bus.js';
import { createTypeormStorage } from './db/repositories/typeorm-storage.js';
import { auditMutations } from './graphql/audit.js';
import { Authenticator, isLoopback } from './graphql/auth/authenticator.js';
import { OidcVerifier } from './graphql/auth/oidc.js';
import { formatError } from './graphql/errors.js';
import { OperationLimits, PrincipalRateLimiter } from './graphql/limits/index.js';
import { createSchema } from './graphql/schema.js';
import { OperationGuard } from './graphql/transport/guard.js';
import { mountGraphqlHttp } from './graphql/transport/http.js';
import { serveGraphqlWs } from './graphql/transport/websocket.js';
import { answerClientErrors, errorHandler, notFound } from './http/failures.js';
import { errorBody } from './http/json-errors.js';
import { OriginPolicy, originGuard } from './http/origin.js';
import { assignRequestId } from './http/request-id.js';
import type { Logger } from './logger.js';
import { selectBackend } from './evaluation/backend/index.js';
import { configureMachine } from './evaluation/machine.js';
import { createEvaluatorFactory, createPluginCatalog } from './plugins.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly services: Services;
  readonly database: Database;
  /** Graceful: stops accepting, closes WebSockets (1001), finishes requests, closes the database. */
  close(): Promise<void>;
}

/** WebSocket close code sent to subscribers when the server shuts down (RFC 6455 "going away"). */
export const CLOSE_GOING_AWAY = 1001;

/**
 * A knife for the kill test (test/scheduler/crash-resume.test.ts): SIGKILLs this process
 * right after its Nth commit that emitted events, before they reach the event bus, the one
 * moment at which a publish-after-commit design would lose them.
 */
function killAfterCommit(n: number | null, next: CommitListener, logger: Logger): CommitListener {
  if (n === null) return next;
  logger.warn({ commits: n }, 'fault injection: this process kills itself after that many commits (GRAPHNAS_FAULT_KILL_AFTER_COMMITS)');
  let commits = 0;
  return {
    committed(events) {
      commits += 1;
      if (commits === n) process.kill(process.pid, 'SIGKILL');
      next.committed(events);
    },
  };
}

export async function openServices(database: Database, config: Config, logger: Logger): Promise<Services> {
  // NOTIFY is not delivered across PGlite's connections, and one embedded process has no
  // replicas to tell: there the storage hands committed events to the in-process bus.
  const local = database.mode === 'embedded' ? new LocalEventBus() : null;
  const afterCommit = killAfterCommit(config.faultKillAfterCommits, local ?? { committed: () => undefined }, logger);
  const storage = createTypeormStorage(database.dataSource, { notify: database.mode === 'server', afterCommit });
  const events: EventBus = local ?? (await PgEventBus.start(database.clientConfig, storage.events, logger));
  const plugins = createPluginCatalog();
  const searchSpaces = new SearchSpaceService(storage);
  const experiments = new ExperimentService(storage, searchSpaces, plugins);
  const trials = new TrialService(storage, plugins);
  const lifecycle = new ExperimentLifecycleService(storage);
  const scheduler = config.scheduler
    ? new Scheduler({
        storage,
        events,
        trials,
        spaces: searchSpaces,
        evaluators: createEvaluatorFactory(),
        logger,
        exclusive: database.mode === 'embedded',
        options: {
          schedulerLeaseSeconds: config.schedulerLeaseSeconds,
          trialLeaseSeconds: config.trialLeaseSeconds,
          resyncMs: config.schedulerResyncMs,
        },
        now: () => new Date(),
      })
    : null;
  const feed = new EventFeed(storage.events, { bufferSize: config.subscriberBuffer });
  feed.attach(events);
  return { storage, events, feed, searchSpaces, experiments, lifecycle, trials, workers: new WorkerService(storage), keys: new ApiKeyService(storage), audit: new AuditService(storage), scheduler };
}

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
  let services: Services;
  let authenticator: Authenticator;
  try {
    await database.migrate();
    services = await openServices(database, config, logger);
    authenticator = await createAuthenticator(config, services, logger);
  } catch (error) {
    await database.close();
    throw error;
  }

  // The controller's tensors live in this process; the backend is chosen once, here.
  const backend = await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
  logger.info({ backend: backend.name, reason: backend.reason }, 'tensorflow.js backend selected');

  const schema = await createSchema(services, [auditMutations(logger)]);
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
    httpServer,
    logger,
  });

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
  const apollo = await mountGraphqlHttp(app, { schema, services, authenticator, guard, formatError: format, maxBodyBytes: config.maxBodyBytes, httpServer });
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
      await services.events.close();
      await database.close();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, port, services, database, close };
}
