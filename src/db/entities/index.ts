import { ApiKeyEntity } from './api-key.entity.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { ExperimentEntity } from './experiment.entity.js';
import { FinalizationEntity } from './finalization.entity.js';
import { PolicyCheckpointEntity } from './policy-checkpoint.entity.js';
import { SearchSpaceEntity } from './search-space.entity.js';
import { TrialMetricEntity } from './trial-metric.entity.js';
import { TrialEntity } from './trial.entity.js';
import { WorkerEntity } from './worker.entity.js';

export { ApiKeyEntity, AuditEventEntity, ExperimentEntity, FinalizationEntity, PolicyCheckpointEntity, SearchSpaceEntity, TrialEntity, TrialMetricEntity, WorkerEntity };

export const ENTITIES = [SearchSpaceEntity, ExperimentEntity, TrialEntity, TrialMetricEntity, PolicyCheckpointEntity, ApiKeyEntity, AuditEventEntity, WorkerEntity, FinalizationEntity];
