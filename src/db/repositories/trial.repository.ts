import type { EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { TrialRecord } from '../../core/storage/records.js';
import type { TrialCounts, TrialFilter, TrialOrder, TrialRepository, TrialTally } from '../../core/storage/storage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { TrialEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage, type KeyColumn } from './keyset.js';

const FINISHED_WITH_REWARD = [TrialStatus.SUCCEEDED];

// Unfinished trials have no reward; coalescing to ∓∞ keeps them last in either direction
// and keeps the row comparison of the keyset well defined (NULL compares to nothing).
const REWARD_DESC = `COALESCE(t.reward, '-Infinity'::float8)`;
const REWARD_ASC = `COALESCE(t.reward, 'Infinity'::float8)`;

function orderColumns(order: TrialOrder): { columns: KeyColumn<TrialRecord>[]; direction: 'ASC' | 'DESC' } {
  const sequence: KeyColumn<TrialRecord> = { expression: 't.sequence', key: (r) => r.sequence, cast: '::int' };
  switch (order) {
    case 'SEQUENCE_ASC':
      return { columns: [sequence], direction: 'ASC' };
    case 'SEQUENCE_DESC':
      return { columns: [sequence], direction: 'DESC' };
    case 'CREATED_AT_DESC':
      return {
        columns: [{ expression: 't.created_at', key: (r) => r.createdAt.toISOString(), cast: '::timestamptz' }, sequence],
        direction: 'DESC',
      };
    case 'REWARD_DESC':
      return { columns: [{ expression: REWARD_DESC, key: (r) => r.reward ?? -Infinity, cast: '::float8' }, sequence], direction: 'DESC' };
    case 'REWARD_ASC':
      return { columns: [{ expression: REWARD_ASC, key: (r) => r.reward ?? Infinity, cast: '::float8' }, sequence], direction: 'ASC' };
  }
}

export class TypeormTrialRepository implements TrialRepository {
  constructor(private readonly em: EntityManager) {}

  async insert(records: readonly TrialRecord[]): Promise<void> {
    if (records.length > 0) await this.em.insert(TrialEntity, records.map((r) => row<TrialEntity>(r)));
  }

  findById(id: string, options: { forUpdate?: boolean } = {}): Promise<TrialRecord | null> {
    const q = this.em.createQueryBuilder(TrialEntity, 't').where('t.id = :id', { id });
    if (options.forUpdate) q.setLock('for_no_key_update');
    return q.getOne();
  }

  async list(experimentId: string, filter: TrialFilter, order: TrialOrder, page: PageRequest): Promise<Page<TrialRecord>> {
    const q = this.em.createQueryBuilder(TrialEntity, 't').where('t.experiment_id = :experimentId', { experimentId });
    if (filter.statuses && filter.statuses.length > 0) q.andWhere('t.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter.duplicates === 'EXCLUDE') q.andWhere('t.duplicate_of_id IS NULL');
    if (filter.duplicates === 'ONLY') q.andWhere('t.duplicate_of_id IS NOT NULL');
    const { columns, direction } = orderColumns(order);
    // JSON cannot carry ±Infinity, so the cursor stores them as the strings pg understands.
    const safe = columns.map((c) => ({ ...c, key: (r: TrialRecord) => jsonSafe(c.key(r)) }));
    return keysetPage(q, safe, direction, page);
  }

  listByStatus(experimentId: string, statuses: readonly TrialStatus[], limit = 10_000): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.status IN (:...statuses)', { statuses })
      .orderBy('t.sequence', 'ASC')
      .limit(limit)
      .getMany();
  }

  async tally(experimentId: string): Promise<TrialTally> {
    const rows = await this.em
      .createQueryBuilder(TrialEntity, 't')
      .select('t.status', 'status')
      .addSelect('(t.duplicate_of_id IS NOT NULL)', 'duplicate')
      .addSelect('COUNT(*)::int', 'count')
      .where('t.experiment_id = :experimentId', { experimentId })
      .groupBy('t.status')
      .addGroupBy('(t.duplicate_of_id IS NOT NULL)')
      .getRawMany<{ status: TrialStatus; duplicate: boolean; count: number }>();
    const zero = (): Record<TrialStatus, number> => Object.fromEntries(Object.values(TrialStatus).map((s) => [s, 0])) as Record<TrialStatus, number>;
    const evaluations = zero();
    const duplicates = zero();
    for (const row of rows) (row.duplicate ? duplicates : evaluations)[row.status] = Number(row.count);
    return { evaluations: evaluations as TrialCounts, duplicates: duplicates as TrialCounts };
  }

  best(experimentId: string, direction: 'MAXIMIZE' | 'MINIMIZE', limit: number): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.status IN (:...statuses)', { statuses: FINISHED_WITH_REWARD })
      .andWhere('t.reward IS NOT NULL')
      .andWhere('t.duplicate_of_id IS NULL')
      .orderBy('t.reward', direction === 'MAXIMIZE' ? 'DESC' : 'ASC')
      .addOrderBy('t.sequence', 'ASC')
      .limit(limit)
      .getMany();
  }

  async update(id: string, patch: Partial<Omit<TrialRecord, 'id' | 'experimentId' | 'sequence' | 'createdAt'>>): Promise<void> {
    await this.em.update(TrialEntity, { id }, row<TrialEntity>(patch));
  }

  async findByFingerprints(experimentId: string, fingerprints: readonly string[]): Promise<Map<string, TrialRecord>> {
    const found = new Map<string, TrialRecord>();
    if (fingerprints.length === 0) return found;
    const rows = await this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.fingerprint IN (:...fingerprints)', { fingerprints: [...new Set(fingerprints)] })
      .andWhere('t.duplicate_of_id IS NULL')
      .orderBy('t.sequence', 'ASC')
      .getMany();
    for (const row of rows) if (!found.has(row.fingerprint)) found.set(row.fingerprint, row);
    return found;
  }

  lockNextPending(experimentId: string): Promise<TrialRecord | null> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.status = :pending', { pending: TrialStatus.PENDING })
      .andWhere('t.duplicate_of_id IS NULL')
      .orderBy('t.sequence', 'ASC')
      .limit(1)
      .setLock('for_no_key_update')
      .setOnLocked('skip_locked')
      .getOne();
  }

  listExpiredLeases(experimentId: string, now: Date): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.status = :running', { running: TrialStatus.RUNNING })
      .andWhere('t.lease_expires_at < :now', { now })
      .orderBy('t.sequence', 'ASC')
      .getMany();
  }

  listUnobserved(experimentId: string): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.status IN (:...finished)', { finished: [TrialStatus.SUCCEEDED, TrialStatus.FAILED, TrialStatus.PRUNED, TrialStatus.CANCELLED] })
      .andWhere('t.observed_at IS NULL')
      .orderBy('t.sequence', 'ASC')
      .getMany();
  }

  async markObserved(ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.em.createQueryBuilder().update(TrialEntity).set({ observedAt: at }).whereInIds([...ids]).execute();
  }
}

function jsonSafe(value: string | number): string | number {
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}
