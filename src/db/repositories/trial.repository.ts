import { In, type EntityManager } from 'typeorm';
import type { Page, PageRequest } from '../../core/storage/pagination.js';
import type { TrialRecord } from '../../core/storage/records.js';
import type { BestRequest, RewardPoint, TrialFilter, TrialOrder, TrialRepository, TrialTally } from '../../core/storage/storage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { TrialStage } from '../../core/trials/trial-stage.js';
import { TrialEntity } from '../entities/index.js';
import { row } from '../entities/columns.js';
import { keysetPage, type KeyColumn } from './keyset.js';

/** What the leaderboard ranks; its partial indexes (trial_leaderboard_max, _min) hold exactly these rows. */
const EVALUATED = `x.status = 'SUCCEEDED' AND x.reward IS NOT NULL AND x.duplicate_of_id IS NULL AND x.stage = 'SEARCH'`;

interface TallyRow {
  readonly experiment_id: string;
  readonly status: TrialStatus;
  readonly duplicate: boolean;
  readonly trials: number;
}

function zeroTally(): { evaluations: Record<TrialStatus, number>; duplicates: Record<TrialStatus, number> } {
  const zero = (): Record<TrialStatus, number> => Object.fromEntries(Object.values(TrialStatus).map((s) => [s, 0])) as Record<TrialStatus, number>;
  return { evaluations: zero(), duplicates: zero() };
}

/** How many trials of the tally a filter on status and duplicates lets through. */
function matching(tally: TrialTally, filter: TrialFilter): number {
  const statuses = filter.statuses && filter.statuses.length > 0 ? filter.statuses : Object.values(TrialStatus);
  let total = 0;
  for (const status of new Set(statuses)) {
    if (filter.duplicates !== 'ONLY') total += tally.evaluations[status];
    if (filter.duplicates !== 'EXCLUDE') total += tally.duplicates[status];
  }
  return total;
}

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
    if (filter.stage) q.andWhere('t.stage = :stage', { stage: filter.stage });
    if (filter.finalistOf) q.andWhere('t.finalist_of = :finalistOf', { finalistOf: filter.finalistOf });
    const { columns, direction } = orderColumns(order);
    // JSON cannot carry ±Infinity, so the cursor stores them as the strings pg understands.
    const safe = columns.map((c) => ({ ...c, key: (r: TrialRecord) => jsonSafe(c.key(r)) }));
    // The tally counts by stage, status and duplicate: every filter but one proxy trial's finalists.
    const count = filter.finalistOf ? undefined : async () => matching((await this.tallyRows([experimentId], filter.stage ?? null)).get(experimentId)!, filter);
    return keysetPage(q, safe, direction, page, count);
  }

  listByStatus(experimentId: string, statuses: readonly TrialStatus[], limit = 10_000, stage = TrialStage.SEARCH): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.stage = :stage', { stage })
      .andWhere('t.status IN (:...statuses)', { statuses })
      .orderBy('t.sequence', 'ASC')
      .limit(limit)
      .getMany();
  }

  async tally(experimentId: string, stage = TrialStage.SEARCH): Promise<TrialTally> {
    return (await this.tallyRows([experimentId], stage)).get(experimentId)!;
  }

  tallies(experimentIds: readonly string[], stage = TrialStage.SEARCH): Promise<Map<string, TrialTally>> {
    return this.tallyRows(experimentIds, stage);
  }

  /**
   * The maintained counts plus this transaction's own changes not yet folded into them
   * (migrations/1765324800000-query-indexes.ts); `stage` null adds both stages up.
   */
  private async tallyRows(experimentIds: readonly string[], stage: TrialStage | null): Promise<Map<string, TrialTally>> {
    const tallies = new Map(experimentIds.map((id) => [id, zeroTally()]));
    if (experimentIds.length === 0) return tallies;
    const rows: TallyRow[] = await this.em.query(
      `SELECT experiment_id, status, duplicate, sum(trials)::int AS trials FROM (
         SELECT experiment_id, stage, status, duplicate, trials FROM trial_tally WHERE experiment_id = ANY($1::uuid[])
         UNION ALL
         SELECT experiment_id, stage, status, duplicate, delta FROM trial_tally_change WHERE experiment_id = ANY($1::uuid[])
       ) AS counted
       WHERE $2::varchar IS NULL OR stage = $2::varchar
       GROUP BY 1, 2, 3`,
      [[...new Set(experimentIds)], stage],
    );
    for (const row of rows) {
      const tally = tallies.get(row.experiment_id)!;
      (row.duplicate ? tally.duplicates : tally.evaluations)[row.status] = Number(row.trials);
    }
    return tallies as Map<string, TrialTally>;
  }

  async findByIds(ids: readonly string[]): Promise<TrialRecord[]> {
    return ids.length === 0 ? [] : this.em.findBy(TrialEntity, { id: In([...ids]) });
  }

  async best(experimentId: string, direction: 'MAXIMIZE' | 'MINIMIZE', limit: number): Promise<TrialRecord[]> {
    return (await this.bestOfEach([{ experimentId, direction }], limit)).get(experimentId)!;
  }

  /**
   * One LATERAL top-k per experiment, each an index scan of the leaderboard's partial
   * index for its direction that stops after `limit` rows, whatever the experiment's size.
   */
  async bestOfEach(experiments: readonly BestRequest[], limit: number): Promise<Map<string, TrialRecord[]>> {
    const best = new Map<string, TrialRecord[]>(experiments.map((e) => [e.experimentId, []]));
    if (experiments.length === 0) return best;
    const ids = (direction: 'MAXIMIZE' | 'MINIMIZE'): string[] => [...new Set(experiments.filter((e) => e.direction === direction).map((e) => e.experimentId))];
    const topOf = (param: string, order: 'DESC' | 'ASC'): string =>
      `SELECT b.id FROM unnest(:${param}::uuid[]) AS e(id) CROSS JOIN LATERAL (
         SELECT x.id FROM trial x WHERE x.experiment_id = e.id AND ${EVALUATED} ORDER BY x.reward ${order}, x.sequence LIMIT :limit
       ) AS b`;
    const rows = await this.em
      .createQueryBuilder(TrialEntity, 't')
      .where(`t.id IN (${topOf('maximize', 'DESC')} UNION ALL ${topOf('minimize', 'ASC')})`, { maximize: ids('MAXIMIZE'), minimize: ids('MINIMIZE'), limit })
      .getMany();
    const directions = new Map(experiments.map((e) => [e.experimentId, e.direction]));
    for (const row of rows) best.get(row.experimentId)!.push(row);
    for (const [id, trials] of best) {
      const sign = directions.get(id) === 'MAXIMIZE' ? -1 : 1;
      trials.sort((a, b) => sign * (a.reward! - b.reward!) || a.sequence - b.sequence);
    }
    return best;
  }

  async rewardCurves(experimentIds: readonly string[], limit: number): Promise<Map<string, RewardPoint[]>> {
    const curves = new Map<string, RewardPoint[]>(experimentIds.map((id) => [id, []]));
    if (experimentIds.length === 0) return curves;
    const rows: { experiment_id: string; id: string; sequence: number; reward: number }[] = await this.em.query(
      `SELECT e.id AS experiment_id, c.id, c.sequence, c.reward FROM unnest($1::uuid[]) AS e(id) CROSS JOIN LATERAL (
         SELECT x.id, x.sequence, x.reward FROM trial x
         WHERE x.experiment_id = e.id AND x.status IN ('SUCCEEDED', 'PRUNED') AND x.reward IS NOT NULL AND x.duplicate_of_id IS NULL AND x.stage = 'SEARCH'
         ORDER BY x.sequence LIMIT $2
       ) AS c
       ORDER BY e.id, c.sequence`,
      [[...new Set(experimentIds)], limit],
    );
    for (const row of rows) curves.get(row.experiment_id)!.push({ trialId: row.id, sequence: row.sequence, reward: Number(row.reward) });
    return curves;
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
      .andWhere('t.stage = :stage', { stage: TrialStage.SEARCH })
      .andWhere('t.fingerprint IN (:...fingerprints)', { fingerprints: [...new Set(fingerprints)] })
      .andWhere('t.duplicate_of_id IS NULL')
      .orderBy('t.sequence', 'ASC')
      .getMany();
    for (const row of rows) if (!found.has(row.fingerprint)) found.set(row.fingerprint, row);
    return found;
  }

  lockNextPending(experimentId: string, stage = TrialStage.SEARCH): Promise<TrialRecord | null> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.stage = :stage', { stage })
      .andWhere('t.status = :pending', { pending: TrialStatus.PENDING })
      .andWhere('t.duplicate_of_id IS NULL')
      .orderBy('t.sequence', 'ASC')
      .limit(1)
      .setLock('for_no_key_update')
      .setOnLocked('skip_locked')
      .getOne();
  }

  listExpiredLeases(experimentId: string, now: Date, stage = TrialStage.SEARCH): Promise<TrialRecord[]> {
    return this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.stage = :stage', { stage })
      .andWhere('t.status = :running', { running: TrialStatus.RUNNING })
      .andWhere('t.lease_expires_at < :now', { now })
      .orderBy('t.sequence', 'ASC')
      .getMany();
  }

  listUnobserved(experimentId: string, limit?: number): Promise<TrialRecord[]> {
    const q = this.em
      .createQueryBuilder(TrialEntity, 't')
      .where('t.experiment_id = :experimentId', { experimentId })
      .andWhere('t.stage = :stage', { stage: TrialStage.SEARCH })
      .andWhere('t.status IN (:...finished)', { finished: [TrialStatus.SUCCEEDED, TrialStatus.FAILED, TrialStatus.PRUNED, TrialStatus.CANCELLED] })
      .andWhere('t.observed_at IS NULL')
      .orderBy('t.sequence', 'ASC');
    if (limit !== undefined) q.limit(limit);
    return q.getMany();
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
