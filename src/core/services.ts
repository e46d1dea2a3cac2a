import type { ArtifactStore } from '../artifacts/index.js';
import type { AuditService } from './audit/audit.service.js';
import type { EventBus } from './events/event-bus.js';
import type { EventFeed } from './events/event-feed.js';
import type { ExperimentLifecycleService } from './experiments/experiment-lifecycle.service.js';
import type { ExperimentService } from './experiments/experiment.service.js';
import type { FinalizationService } from './finalization/finalization.service.js';
import type { Scheduler } from './scheduler/scheduler.js';
import type { SearchSpaceService } from './search-spaces/search-space.service.js';
import type { Storage } from './storage/storage.js';
import type { ApiKeyService } from './keys/api-key.service.js';
import type { TrialService } from './trials/trial.service.js';
import type { WorkerService } from './workers/worker.service.js';

/** Everything the API layer may call; assembled once per process in src/server.ts. */
export interface Services {
  readonly storage: Storage;
  readonly events: EventBus;
  /** What subscriptions read: the bus's events fanned out, with replay from the event log. */
  readonly feed: EventFeed;
  readonly searchSpaces: SearchSpaceService;
  readonly experiments: ExperimentService;
  readonly lifecycle: ExperimentLifecycleService;
  readonly trials: TrialService;
  readonly finalizations: FinalizationService;
  /** Finalists' models (GRAPHNAS_ARTIFACT_DIR), downloaded at /artifacts. */
  readonly artifacts: ArtifactStore;
  readonly workers: WorkerService;
  readonly keys: ApiKeyService;
  readonly audit: AuditService;
  /** Null in a process that serves the API only (GRAPHNAS_SCHEDULER=off). */
  readonly scheduler: Scheduler | null;
}
