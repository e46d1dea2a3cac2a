import type { EntityManager } from 'typeorm';
import type { FinalizationStatus } from '../../core/finalization/finalization-status.js';
import type { FinalizationRecord } from '../../core/storage/records.js';
import type { FinalizationRepository } from '../../core/storage/storage.js';
import { FinalizationEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';

export class TypeormFinalizationRepository implements FinalizationRepository {
  constructor(private readonly em: EntityManager) {}

  async save(record: FinalizationRecord): Promise<void> {
    await this.em.upsert(FinalizationEntity, row<FinalizationEntity>(record), ['experimentId']);
  }

  findById(experimentId: string, options: { forUpdate?: boolean } = {}): Promise<FinalizationRecord | null> {
    const q = this.em.createQueryBuilder(FinalizationEntity, 'f').where('f.experiment_id = :experimentId', { experimentId });
    if (options.forUpdate) q.setLock('for_no_key_update');
    return q.getOne();
  }

  async update(experimentId: string, patch: Partial<Pick<FinalizationRecord, 'status' | 'error' | 'updatedAt' | 'finishedAt'>>): Promise<void> {
    await this.em.update(FinalizationEntity, { experimentId }, row<FinalizationEntity>(patch));
  }

  async listIdsByStatus(statuses: readonly FinalizationStatus[]): Promise<string[]> {
    if (statuses.length === 0) return [];
    const rows = await this.em
      .createQueryBuilder(FinalizationEntity, 'f')
      .select('f.experiment_id', 'id')
      .where('f.status IN (:...statuses)', { statuses })
      .orderBy('f.created_at', 'ASC')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }
}
