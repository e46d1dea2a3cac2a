import { In, type EntityManager } from 'typeorm';
import type { TrialMetricRecord } from '../../core/storage/records.js';
import type { TrialMetricRepository } from '../../core/storage/storage.js';
import type { TrialStatus } from '../../core/trials/trial-status.js';
import { TrialMetricEntity } from '../entities/index.js';

export class TypeormTrialMetricRepository implements TrialMetricRepository {
  constructor(private readonly em: EntityManager) {}

  async upsert(record: TrialMetricRecord): Promise<TrialMetricRecord> {
    const rows: TrialMetricEntity[] = await this.em.query(
      `INSERT INTO trial_metric (id, trial_id, experiment_id, step, name, value, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (trial_id, name, step) DO UPDATE SET value = EXCLUDED.value
       RETURNING id`,
      [record.id, record.trialId, record.experimentId, record.step, record.name, record.value, record.createdAt],
    );
    return { ...record, id: rows[0]?.id ?? record.id };
  }

  list(trialId: string, name?: string | null): Promise<TrialMetricRecord[]> {
    return this.em.find(TrialMetricEntity, {
      where: name ? { trialId, name } : { trialId },
      order: { step: 'ASC', name: 'ASC' },
    });
  }

  async listForTrials(trialIds: readonly string[], name?: string | null): Promise<Map<string, TrialMetricRecord[]>> {
    const curves = new Map<string, TrialMetricRecord[]>(trialIds.map((id) => [id, []]));
    if (trialIds.length === 0) return curves;
    const ids = In([...new Set(trialIds)]);
    const rows = await this.em.find(TrialMetricEntity, {
      where: name ? { trialId: ids, name } : { trialId: ids },
      order: { trialId: 'ASC', step: 'ASC', name: 'ASC' },
    });
    for (const row of rows) curves.get(row.trialId)!.push(row);
    return curves;
  }

  async valuesAtStep(experimentId: string, name: string, step: number, trialStatuses: readonly TrialStatus[], exceptTrialId?: string): Promise<number[]> {
    const rows: { value: number }[] = await this.em.query(
      `SELECT m.value FROM trial_metric m JOIN trial t ON t.id = m.trial_id
       WHERE m.experiment_id = $1 AND m.name = $2 AND m.step = $3 AND t.stage = 'SEARCH' AND t.status = ANY($4::trial_status[]) AND ($5::uuid IS NULL OR m.trial_id <> $5::uuid)`,
      [experimentId, name, step, trialStatuses, exceptTrialId ?? null],
    );
    return rows.map((r) => Number(r.value));
  }
}
