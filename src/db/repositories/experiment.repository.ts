import { In, type EntityManager } from 'typeorm';
import type { ExperimentStatus } from '../../core/experiments/experiment-status.js';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { ExperimentRecord } from '../../core/storage/records.js';
import type { ExperimentFilter, ExperimentRepository } from '../../core/storage/storage.js';
import { ExperimentEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage } from './keyset.js';
import { escapeLike } from './search-space.repository.js';

export class TypeormExperimentRepository implements ExperimentRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(record: ExperimentRecord): Promise<void> {
    await this.em.insert(ExperimentEntity, row<ExperimentEntity>(record));
  }

  findById(id: string, options: { forUpdate?: boolean } = {}): Promise<ExperimentRecord | null> {
    const q = this.em.createQueryBuilder(ExperimentEntity, 'e').where('e.id = :id', { id });
    if (options.forUpdate) q.setLock('for_no_key_update');
    return q.getOne();
  }

  async findByIds(ids: readonly string[]): Promise<ExperimentRecord[]> {
    return ids.length === 0 ? [] : this.em.findBy(ExperimentEntity, { id: In([...ids]) });
  }

  list(filter: ExperimentFilter, page: PageRequest): Promise<Page<ExperimentRecord>> {
    const q = this.em.createQueryBuilder(ExperimentEntity, 'e');
    if (filter.project) q.andWhere('e.project = :project', { project: filter.project });
    if (filter.statuses && filter.statuses.length > 0) q.andWhere('e.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.searchSpaceId) q.andWhere('e.search_space_id = :space', { space: filter.searchSpaceId });
    if (filter.nameContains) q.andWhere(`e.name ILIKE :name`, { name: `%${escapeLike(filter.nameContains)}%` });
    return keysetPage(
      q,
      [
        { expression: 'e.created_at', key: (r) => r.createdAt.toISOString(), cast: '::timestamptz' },
        { expression: 'e.id', key: (r) => r.id, cast: '::uuid' },
      ],
      'DESC',
      page,
    );
  }

  async listIdsByStatus(statuses: readonly ExperimentStatus[]): Promise<string[]> {
    const rows = await this.em.find(ExperimentEntity, { select: { id: true }, where: { status: In([...statuses]) } });
    return rows.map((r) => r.id);
  }

  countBySearchSpace(searchSpaceId: string): Promise<number> {
    return this.em.countBy(ExperimentEntity, { searchSpaceId });
  }

  async update(id: string, patch: Partial<Omit<ExperimentRecord, 'id' | 'createdAt'>>): Promise<void> {
    await this.em.update(ExperimentEntity, { id }, row<ExperimentEntity>(patch));
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.em.delete(ExperimentEntity, { id });
    return (result.affected ?? 0) > 0;
  }

  async claimScheduler(id: string, owner: string, leaseUntil: Date, now: Date, takeOver: boolean): Promise<boolean> {
    const rows: unknown[] = await this.em.query(
      `UPDATE experiment SET scheduler_owner = $2, scheduler_lease_until = $3
       WHERE id = $1 AND ($5 OR scheduler_owner IS NULL OR scheduler_owner = $2 OR scheduler_lease_until < $4)
       RETURNING id`,
      [id, owner, leaseUntil, now, takeOver],
    );
    return affectedRows(rows) > 0;
  }

  async releaseScheduler(id: string, owner: string): Promise<void> {
    await this.em.query(`UPDATE experiment SET scheduler_owner = NULL, scheduler_lease_until = NULL WHERE id = $1 AND scheduler_owner = $2`, [
      id,
      owner,
    ]);
  }
}

/** TypeORM's postgres driver returns `[rows, count]` for UPDATE … RETURNING. */
function affectedRows(result: unknown[]): number {
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[1];
  return result.length;
}
