import type { Config } from './config.js';
import { DirArtifactStore } from './artifacts/index.js';
import { AuditService } from './core/audit/audit.service.js';
import { LocalEventBus, type CommitListener, type EventBus } from './core/events/event-bus.js';
import { EventFeed } from './core/events/event-feed.js';
import { ExperimentLifecycleService } from './core/experiments/experiment-lifecycle.service.js';
import { ExperimentService } from './core/experiments/experiment.service.js';
import { FinalizationService } from './core/finalization/finalization.service.js';
import { ApiKeyService } from './core/keys/api-key.service.js';
import { Scheduler } from './core/scheduler/scheduler.js';
import { SearchSpaceService } from './core/search-spaces/search-space.service.js';
import type { Services } from './core/services.js';
import { TrialService } from './core/trials/trial.service.js';
import { WorkerService } from './core/workers/worker.service.js';
import type { Database } from './db/database.js';
import { PgEventBus } from './db/pg-event-bus.js';
import { createTypeormStorage } from './db/repositories/typeorm-storage.js';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics/service-metrics.js';
import { createEvaluatorFactory, createPluginCatalog } from './plugins.js';

/**
 * The services of one process over an open database: storage, events, the experiment and
 * trial services and, when `config.scheduler`, the scheduler. A composition root like
 * server.ts, without HTTP: `graphnas run` and the CLI's store commands open these alone,
 * so they load no GraphQL, Express or dashboard.
 */

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

/** `metrics`: where the server counts what this process commits and schedules (/metrics). */
export async function openServices(database: Database, config: Config, logger: Logger, metrics?: ServiceMetrics): Promise<Services> {
  // NOTIFY is not delivered across PGlite's connections, and one embedded process has no
  // replicas to tell: there the storage hands committed events to the in-process bus.
  const local = database.mode === 'embedded' ? new LocalEventBus() : null;
  const delivered: CommitListener = local ?? { committed: () => undefined };
  const afterCommit = killAfterCommit(config.faultKillAfterCommits, metrics ? metrics.committedBy(delivered) : delivered, logger);
  const storage = createTypeormStorage(database.dataSource, { notify: database.mode === 'server', afterCommit });
  const events: EventBus = local ?? (await PgEventBus.start(database.clientConfig, storage.events, logger));
  const plugins = createPluginCatalog();
  const searchSpaces = new SearchSpaceService(storage);
  const artifacts = new DirArtifactStore(config.artifactDir);
  const experiments = new ExperimentService(storage, searchSpaces, plugins, artifacts);
  const trials = new TrialService(storage, plugins);
  const lifecycle = new ExperimentLifecycleService(storage);
  const finalizations = new FinalizationService(storage, plugins, artifacts);
  const scheduler = config.scheduler
    ? new Scheduler({
        storage,
        events,
        trials,
        spaces: searchSpaces,
        evaluators: createEvaluatorFactory(),
        finalizations,
        artifacts,
        logger,
        exclusive: database.mode === 'embedded',
        options: {
          schedulerLeaseSeconds: config.schedulerLeaseSeconds,
          trialLeaseSeconds: config.trialLeaseSeconds,
          resyncMs: config.schedulerResyncMs,
        },
        now: () => new Date(),
        instruments: metrics,
      })
    : null;
  const feed = new EventFeed(storage.events, { bufferSize: config.subscriberBuffer });
  feed.attach(events);
  return { storage, events, feed, searchSpaces, experiments, lifecycle, trials, finalizations, artifacts, workers: new WorkerService(storage), keys: new ApiKeyService(storage), audit: new AuditService(storage), scheduler };
}
