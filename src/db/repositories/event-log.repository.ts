import type { EntityManager } from 'typeorm';
import type { DomainEvent, Topic } from '../../core/events/topics.js';
import type { EventLogRepository } from '../../core/storage/storage.js';
import { reviveDates } from '../json-dates.js';

interface EventRow {
  experiment_id: string;
  id: string;
  topic: Topic;
  payload: unknown;
}

function toEvent(row: EventRow): DomainEvent {
  return { topic: row.topic, key: row.experiment_id, id: Number(row.id), payload: reviveDates(row.payload) } as DomainEvent;
}

/** The read side of the outbox (src/db/outbox.ts writes it). */
export class TypeormEventLogRepository implements EventLogRepository {
  constructor(private readonly em: EntityManager) {}

  async listAfter(experimentId: string, afterId: number, limit: number): Promise<DomainEvent[]> {
    const rows: EventRow[] = await this.em.query(
      `SELECT experiment_id, id, topic, payload FROM experiment_event WHERE experiment_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [experimentId, afterId, limit],
    );
    return rows.map(toEvent);
  }

  async find(experimentId: string, id: number): Promise<DomainEvent | null> {
    const rows: EventRow[] = await this.em.query(`SELECT experiment_id, id, topic, payload FROM experiment_event WHERE experiment_id = $1 AND id = $2`, [
      experimentId,
      id,
    ]);
    return rows[0] ? toEvent(rows[0]) : null;
  }

  async lastId(experimentId: string): Promise<number> {
    return (await this.lastIds([experimentId])).get(experimentId)!;
  }

  async lastIds(experimentIds: readonly string[]): Promise<Map<string, number>> {
    const last = new Map(experimentIds.map((id) => [id, 0]));
    if (experimentIds.length === 0) return last;
    const rows: { experiment_id: string; last_id: string }[] = await this.em.query(
      `SELECT experiment_id, last_id FROM experiment_event_counter WHERE experiment_id = ANY($1::uuid[])`,
      [[...new Set(experimentIds)]],
    );
    for (const row of rows) last.set(row.experiment_id, Number(row.last_id));
    return last;
  }
}
