import type { EntityManager } from 'typeorm';
import type { PolicyCheckpointRecord } from '../../core/storage/records.js';
import type { PolicyCheckpointRepository } from '../../core/storage/storage.js';
import { PolicyCheckpointEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';

export class TypeormPolicyCheckpointRepository implements PolicyCheckpointRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(record: PolicyCheckpointRecord): Promise<void> {
    await this.em.insert(PolicyCheckpointEntity, row<PolicyCheckpointEntity>(record));
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
