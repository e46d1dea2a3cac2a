import { IsNull, MoreThan, type EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { ApiKeyRecord } from '../../core/storage/records.js';
import type { ApiKeyRepository } from '../../core/storage/storage.js';
import { ApiKeyEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage } from './keyset.js';

export class TypeormApiKeyRepository implements ApiKeyRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.em.insert(ApiKeyEntity, row<ApiKeyEntity>(record));
  }

  findByHash(hash: string): Promise<ApiKeyRecord | null> {
    return this.em.findOneBy(ApiKeyEntity, { hash });
  }

  findById(id: string): Promise<ApiKeyRecord | null> {
    return this.em.findOneBy(ApiKeyEntity, { id });
  }

  list(page: PageRequest): Promise<Page<ApiKeyRecord>> {
    return keysetPage(
      this.em.createQueryBuilder(ApiKeyEntity, 'k'),
      [
        { expression: 'k.created_at', key: (r) => r.createdAt.toISOString(), cast: '::timestamptz' },
        { expression: 'k.id', key: (r) => r.id, cast: '::uuid' },
      ],
      'DESC',
      page,
    );
  }

  async update(id: string, patch: Partial<Pick<ApiKeyRecord, 'lastUsedAt' | 'revokedAt'>>): Promise<void> {
    await this.em.update(ApiKeyEntity, { id }, row<ApiKeyEntity>(patch));
  }

  countUsable(now: Date): Promise<number> {
    return this.em.count(ApiKeyEntity, {
      where: [
        { revokedAt: IsNull(), expiresAt: IsNull() },
        { revokedAt: IsNull(), expiresAt: MoreThan(now) },
      ],
    });
  }
}
