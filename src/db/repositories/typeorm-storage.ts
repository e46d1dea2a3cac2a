import type { DataSource, EntityManager } from 'typeorm';
import type { Storage } from '../../core/storage/storage.js';
import { TypeormExperimentRepository } from './experiment.repository.js';
import { TypeormPolicyCheckpointRepository } from './policy-checkpoint.repository.js';
import { TypeormSearchSpaceRepository } from './search-space.repository.js';
import { TypeormTrialMetricRepository } from './trial-metric.repository.js';
import { TypeormTrialRepository } from './trial.repository.js';

class ManagerStorage implements Storage {
  readonly searchSpaces: TypeormSearchSpaceRepository;
  readonly experiments: TypeormExperimentRepository;
  readonly trials: TypeormTrialRepository;
  readonly metrics: TypeormTrialMetricRepository;
  readonly checkpoints: TypeormPolicyCheckpointRepository;

  constructor(
    private readonly em: EntityManager,
    private readonly inTransaction: boolean,
  ) {
    this.searchSpaces = new TypeormSearchSpaceRepository(em);
    this.experiments = new TypeormExperimentRepository(em);
    this.trials = new TypeormTrialRepository(em);
    this.metrics = new TypeormTrialMetricRepository(em);
    this.checkpoints = new TypeormPolicyCheckpointRepository(em);
  }

  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T> {
    // Nested calls join the outer transaction: a service that composes another's
    // transactional method must not open a second connection (it would wait forever on
    // the embedded database).
    if (this.inTransaction) return work(this);
    return this.em.transaction((em) => work(new ManagerStorage(em, true)));
  }
}

export function createTypeormStorage(dataSource: DataSource): Storage {
  return new ManagerStorage(dataSource.manager, false);
}
