import type { DataSource, EntityManager } from 'typeorm';
import type { CommitListener } from '../../core/events/event-bus.js';
import type { NewEvent } from '../../core/events/topics.js';
import type { Storage, Transaction } from '../../core/storage/storage.js';
import { writeOutbox } from '../outbox.js';
import { TypeormApiKeyRepository } from './api-key.repository.js';
import { TypeormAuditRepository } from './audit.repository.js';
import { TypeormEventLogRepository } from './event-log.repository.js';
import { TypeormExperimentRepository } from './experiment.repository.js';
import { TypeormFinalizationRepository } from './finalization.repository.js';
import { TypeormPolicyCheckpointRepository } from './policy-checkpoint.repository.js';
import { TypeormSearchSpaceRepository } from './search-space.repository.js';
import { TypeormTrialMetricRepository } from './trial-metric.repository.js';
import { TypeormTrialRepository } from './trial.repository.js';
import { TypeormWorkerRepository } from './worker.repository.js';

export interface OutboxOptions {
  /** Server mode: NOTIFY from inside the committing transaction (every replica LISTENs). */
  readonly notify: boolean;
  /** Handed each transaction's events after COMMIT: the in-process bus in embedded mode. */
  readonly afterCommit: CommitListener;
  readonly now?: () => Date;
}

class ManagerStorage implements Storage {
  readonly searchSpaces: TypeormSearchSpaceRepository;
  readonly experiments: TypeormExperimentRepository;
  readonly trials: TypeormTrialRepository;
  readonly metrics: TypeormTrialMetricRepository;
  readonly checkpoints: TypeormPolicyCheckpointRepository;
  readonly events: TypeormEventLogRepository;
  readonly apiKeys: TypeormApiKeyRepository;
  readonly audit: TypeormAuditRepository;
  readonly workers: TypeormWorkerRepository;
  readonly finalizations: TypeormFinalizationRepository;

  constructor(
    protected readonly em: EntityManager,
    protected readonly outbox: OutboxOptions,
  ) {
    this.searchSpaces = new TypeormSearchSpaceRepository(em);
    this.experiments = new TypeormExperimentRepository(em);
    this.trials = new TypeormTrialRepository(em);
    this.metrics = new TypeormTrialMetricRepository(em);
    this.checkpoints = new TypeormPolicyCheckpointRepository(em);
    this.events = new TypeormEventLogRepository(em);
    this.apiKeys = new TypeormApiKeyRepository(em);
    this.audit = new TypeormAuditRepository(em);
    this.workers = new TypeormWorkerRepository(em);
    this.finalizations = new TypeormFinalizationRepository(em);
  }

  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const emitted: NewEvent[] = [];
    const { result, stored } = await this.em.transaction(async (em) => {
      const value = await work(new ManagerTransaction(em, this.outbox, emitted));
      // Last, so that the counter rows stay locked for as short as possible.
      return { result: value, stored: await writeOutbox(em, emitted, this.outbox.now?.() ?? new Date(), this.outbox.notify) };
    });
    if (stored.length > 0) this.outbox.afterCommit.committed(stored);
    return result;
  }
}

class ManagerTransaction extends ManagerStorage implements Transaction {
  constructor(
    em: EntityManager,
    outbox: OutboxOptions,
    private readonly emitted: NewEvent[],
  ) {
    super(em, outbox);
  }

  emit(event: NewEvent): void {
    this.emitted.push(event);
  }

  // Nested calls join this transaction: a service that composes another's transactional
  // work must not open a second connection (on the embedded database it would wait for
  // this one forever), and its events belong to this commit.
  override transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return work(this);
  }
}

export function createTypeormStorage(dataSource: DataSource, outbox: OutboxOptions): Storage {
  return new ManagerStorage(dataSource.manager, outbox);
}
