import pg from 'pg';
import type { EventBus } from '../core/events/event-bus.js';
import { Topic, type DomainEvent } from '../core/events/topics.js';
import type { Storage } from '../core/storage/storage.js';
import type { Logger } from '../logger.js';

const CHANNEL = 'graphnas_events';
// NOTIFY payloads are limited to 8000 bytes; larger events travel as a reference and
// each receiving replica reloads the row once (not once per subscriber).
const MAX_INLINE_BYTES = 7000;

interface Envelope {
  readonly topic: Topic;
  readonly key: string;
  readonly payload?: unknown;
  readonly ref?: string;
}

const DATE_FIELD = /At$/;

/** Dates become strings in JSON; every date field of the records is named `…At`. */
function reviveDates(_key: string, value: unknown): unknown {
  return typeof value === 'string' && DATE_FIELD.test(_key) && !Number.isNaN(Date.parse(value)) ? new Date(value) : value;
}

/**
 * Events through PostgreSQL LISTEN/NOTIFY, so that every API replica delivers every event
 * to its own subscribers. The publisher's own process also receives its events through
 * the channel, which keeps one order for all replicas.
 */
export class PgEventBus implements EventBus {
  private readonly listeners = new Set<(event: DomainEvent) => void>();
  private listener: pg.Client | null = null;
  private delivery: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly pool: { query(sql: string, params: unknown[]): Promise<unknown> },
    private readonly storage: Storage,
    private readonly logger: Logger,
  ) {}

  static async start(
    clientConfig: pg.ClientConfig,
    pool: { query(sql: string, params: unknown[]): Promise<unknown> },
    storage: Storage,
    logger: Logger,
  ): Promise<PgEventBus> {
    const bus = new PgEventBus(clientConfig, pool, storage, logger);
    await bus.connect();
    return bus;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'event listener connection lost; reconnecting');
      this.listener = null;
      void client.end().catch(() => undefined);
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private reconnect(attempt = 0): void {
    if (this.closed) return;
    const delay = Math.min(10_000, 250 * 2 ** attempt);
    setTimeout(() => {
      this.connect().catch((error: unknown) => {
        this.logger.warn({ err: error, attempt }, 'event listener reconnect failed');
        this.reconnect(attempt + 1);
      });
    }, delay).unref();
  }

  private receive(raw: string): void {
    // Chained, so that a reloaded (large) event cannot overtake a later small one.
    this.delivery = this.delivery.then(async () => {
      try {
        const envelope = JSON.parse(raw, reviveDates) as Envelope;
        const payload = envelope.ref !== undefined ? await this.reload(envelope.topic, envelope.ref) : envelope.payload;
        if (payload === null || payload === undefined) return;
        const event = { topic: envelope.topic, key: envelope.key, payload } as DomainEvent;
        for (const listener of this.listeners) listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'event delivery failed');
      }
    });
  }

  private async reload(topic: Topic, id: string): Promise<unknown> {
    switch (topic) {
      case Topic.ExperimentUpdated:
        return this.storage.experiments.findById(id);
      case Topic.TrialUpdated:
        return this.storage.trials.findById(id);
      case Topic.PolicyUpdated: {
        const latest = await this.storage.checkpoints.latest(id);
        if (latest === null) return null;
        const { state: _state, ...summary } = latest;
        return summary;
      }
      case Topic.TrialMetricReported:
        return null;
    }
  }

  async publish(event: DomainEvent): Promise<void> {
    let text = JSON.stringify({ topic: event.topic, key: event.key, payload: event.payload } satisfies Envelope);
    if (Buffer.byteLength(text) > MAX_INLINE_BYTES) {
      const ref = event.topic === Topic.PolicyUpdated ? event.key : (event.payload as { id: string }).id;
      text = JSON.stringify({ topic: event.topic, key: event.key, ref } satisfies Envelope);
    }
    await this.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, text]);
  }

  onEvent(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    await this.delivery;
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }
}
