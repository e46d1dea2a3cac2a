import { In, LessThan, type EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { TrialRecord, WorkerRecord } from '../../core/storage/records.js';
import type { WorkerFilter, WorkerRepository } from '../../core/storage/storage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { TrialEntity, WorkerEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage } from './keyset.js';

/** Every column a renewal replaces: all but the id and when the worker first registered. */
const RENEWED = ['name', 'project', 'host', 'backend', 'adapter', 'cores', 'gpu', 'datasets', 'concurrency', 'last_heartbeat_at', 'expires_at'];

export class TypeormWorkerRepository implements WorkerRepository {
  constructor(private readonly em: EntityManager) {}

  async upsert(record: WorkerRecord): Promise<void> {
    await this.em.createQueryBuilder().insert().into(WorkerEntity).values(row<WorkerEntity>(record)).orUpdate(RENEWED, ['id']).execute();
  }

  findById(id: string): Promise<WorkerRecord | null> {
    return this.em.findOneBy(WorkerEntity, { id });
  }

  list(filter: WorkerFilter, page: PageRequest): Promise<Page<WorkerRecord>> {
    const query = this.em.createQueryBuilder(WorkerEntity, 'w');
    if (filter.project != null) query.andWhere('w.project = :project', { project: filter.project });
    if (filter.aliveAt != null) query.andWhere('w.expires_at > :at', { at: filter.aliveAt });
    return keysetPage(
      query,
      [
        { expression: 'w.registered_at', key: (r) => r.registeredAt.toISOString(), cast: '::timestamptz' },
        { expression: 'w.id', key: (r) => r.id },
      ],
      'ASC',
      page,
    );
  }

  async runningTrials(workerIds: readonly string[]): Promise<Map<string, TrialRecord[]>> {
    const held = new Map<string, TrialRecord[]>(workerIds.map((id) => [id, []]));
    if (workerIds.length === 0) return held;
    const trials = await this.em.find(TrialEntity, { where: { status: TrialStatus.RUNNING, workerId: In([...workerIds]) }, order: { startedAt: 'ASC', id: 'ASC' } });
    for (const trial of trials) held.get(trial.workerId!)?.push(trial);
    return held;
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.em.delete(WorkerEntity, { id })).affected ?? 0) > 0;
  }

  async deleteExpired(before: Date): Promise<number> {
    return (await this.em.delete(WorkerEntity, { expiresAt: LessThan(before) })).affected ?? 0;
  }
}
