import type { EntityManager } from 'typeorm';
import type { DomainEvent, NewEvent } from '../core/events/topics.js';

/** The channel every replica LISTENs on. */
export const EVENT_CHANNEL = 'graphnas_events';
// NOTIFY payloads are limited to 8000 bytes; a larger event travels as its log address
// and each receiving replica reads it from the log once (not once per subscriber).
const MAX_INLINE_BYTES = 7000;

/** What travels in a NOTIFY: the event itself, or only where it is stored. */
export interface Notification {
  readonly experimentId: string;
  readonly id: number;
  readonly event?: DomainEvent;
}

/**
 * Writes a transaction's events to the experiment event log as the transaction's last
 * statements: ids come from each experiment's counter, whose row lock is held until
 * COMMIT, so ids are gap-free and increase in commit order. With `notify` (server mode)
 * the NOTIFY is sent in the same transaction: PostgreSQL delivers it at COMMIT and drops it
 * on rollback, so data and notification cannot be separated by a crash.
 */
export async function writeOutbox(em: EntityManager, events: readonly NewEvent[], at: Date, notify: boolean): Promise<DomainEvent[]> {
  if (events.length === 0) return [];
  const perExperiment = new Map<string, number>();
  for (const e of events) perExperiment.set(e.key, (perExperiment.get(e.key) ?? 0) + 1);
  const next = new Map<string, number>();
  // A fixed order of counter locks across transactions that touch several experiments.
  for (const experimentId of [...perExperiment.keys()].sort()) {
    const count = perExperiment.get(experimentId)!;
    const rows: { last_id: string }[] = await em.query(
      `INSERT INTO experiment_event_counter (experiment_id, last_id) VALUES ($1, $2)
       ON CONFLICT (experiment_id) DO UPDATE SET last_id = experiment_event_counter.last_id + EXCLUDED.last_id
       RETURNING last_id`,
      [experimentId, count],
    );
    next.set(experimentId, Number(rows[0]!.last_id) - count + 1);
  }
  // Handed on in the order they were emitted; each experiment's ids increase along it.
  const stored = events.map((e): DomainEvent => {
    const id = next.get(e.key)!;
    next.set(e.key, id + 1);
    return { ...e, id };
  });
  const payloads = stored.map((e) => JSON.stringify(e.payload));
  await em.query(
    `INSERT INTO experiment_event (experiment_id, id, topic, payload, created_at)
     SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::varchar[], $4::jsonb[], $5::timestamptz[])`,
    [stored.map((e) => e.key), stored.map((e) => e.id), stored.map((e) => e.topic), payloads, stored.map(() => at)],
  );
  if (notify) {
    const messages = stored.map((e, i) => {
      const address = JSON.stringify({ experimentId: e.key, id: e.id } satisfies Notification);
      // Spliced rather than re-serialised: the payload is already JSON text.
      const inline = `${address.slice(0, -1)},"event":{"topic":${JSON.stringify(e.topic)},"key":${JSON.stringify(e.key)},"id":${e.id},"payload":${payloads[i]}}}`;
      return Buffer.byteLength(inline) <= MAX_INLINE_BYTES ? inline : address;
    });
    // The subquery fixes the order in which pg_notify runs, and so the delivery order.
    await em.query(`SELECT pg_notify($1, m) FROM (SELECT m FROM unnest($2::text[]) WITH ORDINALITY AS t(m, n) ORDER BY n) AS ordered`, [
      EVENT_CHANNEL,
      messages,
    ]);
  }
  return stored;
}
