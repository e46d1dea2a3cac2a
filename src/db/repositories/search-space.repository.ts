import { In, type EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { SearchSpaceRecord } from '../../core/storage/records.js';
import type { SearchSpaceFilter, SearchSpaceRepository } from '../../core/storage/storage.js';
import { SearchSpaceEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage } from './keyset.js';

export class TypeormSearchSpaceRepository implements SearchSpaceRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(record: SearchSpaceRecord): Promise<void> {
    await this.em.insert(SearchSpaceEntity, row<SearchSpaceEntity>(record));
  }

  findById(id: string): Promise<SearchSpaceRecord | null> {
    return this.em.findOneBy(SearchSpaceEntity, { id });
  }

  async findByIds(ids: readonly string[]): Promise<SearchSpaceRecord[]> {
    return ids.length === 0 ? [] : this.em.findBy(SearchSpaceEntity, { id: In([...ids]) });
  }

  list(filter: SearchSpaceFilter, page: PageRequest): Promise<Page<SearchSpaceRecord>> {
    const q = this.em.createQueryBuilder(SearchSpaceEntity, 's');
    if (filter.project) q.andWhere('s.project = :project', { project: filter.project });
    if (filter.nameContains) q.andWhere(`s.name ILIKE :name`, { name: `%${escapeLike(filter.nameContains)}%` });
    return keysetPage(
      q,
      [
        { expression: 's.created_at', key: (r) => r.createdAt.toISOString(), cast: '::timestamptz' },
        { expression: 's.id', key: (r) => r.id, cast: '::uuid' },
      ],
      'DESC',
      page,
    );
  }

  async update(id: string, patch: Partial<Pick<SearchSpaceRecord, 'name' | 'updatedAt'>>): Promise<void> {
    await this.em.update(SearchSpaceEntity, { id }, row<SearchSpaceEntity>(patch));
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.em.delete(SearchSpaceEntity, { id });
    return (result.affected ?? 0) > 0;
  }
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
