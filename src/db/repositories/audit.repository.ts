import type { EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { AuditRecord } from '../../core/storage/records.js';
import type { AuditFilter, AuditRepository } from '../../core/storage/storage.js';
import { AuditEventEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage } from './keyset.js';

export class TypeormAuditRepository implements AuditRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(record: AuditRecord): Promise<void> {
    await this.em.insert(AuditEventEntity, row<AuditEventEntity>(record));
  }

  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const q = this.em.createQueryBuilder(AuditEventEntity, 'a');
    if (filter.principalId) q.andWhere('a.principal_id = :principal', { principal: filter.principalId });
    if (filter.operation) q.andWhere('a.operation = :operation', { operation: filter.operation });
    return keysetPage(
      q,
      [
        { expression: 'a.at', key: (r) => r.at.toISOString(), cast: '::timestamptz' },
        { expression: 'a.id', key: (r) => r.id, cast: '::uuid' },
      ],
      'DESC',
      page,
    );
  }
}
