import type { EntityManager } from 'typeorm';
import type { PolicyCheckpointRecord } from '../../core/storage/records.js';
import type { PolicyCheckpointRepository } from '../../core/storage/storage.js';
import { PolicyCheckpointEntity } from '../entities/index.js';

export class TypeormPolicyCheckpointRepository implements PolicyCheckpointRepository {
  constructor(private readonly em: EntityManager) {}

  async save(record: PolicyCheckpointRecord): Promise<void> {
    await this.em.query(
      `INSERT INTO policy_checkpoint (id, experiment_id, step, state, stats, observed_trial_ids, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7)
       ON CONFLICT (experiment_id, step) DO UPDATE SET
         state = EXCLUDED.state,
         stats = EXCLUDED.stats,
         observed_trial_ids = policy_checkpoint.observed_trial_ids || EXCLUDED.observed_trial_ids,
         created_at = EXCLUDED.created_at`,
      [record.id, record.experimentId, record.step, JSON.stringify(record.state), JSON.stringify(record.stats), record.observedTrialIds, record.createdAt],
    );
  }

  latest(experimentId: string): Promise<PolicyCheckpointRecord | null> {
    return this.em.findOne(PolicyCheckpointEntity, { where: { experimentId }, order: { step: 'DESC' } });
  }

  history(experimentId: string, limit: number): Promise<Omit<PolicyCheckpointRecord, 'state'>[]> {
    return this.em.find(PolicyCheckpointEntity, {
      select: { id: true, experimentId: true, step: true, stats: true, observedTrialIds: true, createdAt: true },
      where: { experimentId },
      order: { step: 'ASC' },
      take: limit,
    });
  }
}
