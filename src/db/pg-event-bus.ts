import pg from 'pg';
import type { EventBus } from '../core/events/event-bus.js';
import type { DomainEvent } from '../core/events/topics.js';
import type { EventLogRepository } from '../core/storage/storage.js';
import type { Logger } from '../logger.js';
import { reviveDates } from './json-dates.js';
import { EVENT_CHANNEL, type Notification } from './outbox.js';

/**
 * Committed events through PostgreSQL LISTEN/NOTIFY, so that every API replica delivers
 * every event to its own subscribers. The NOTIFY is sent by the transaction that stored
 * the event (src/db/outbox.ts), so it arrives exactly when, and only if, that transaction
 * committed; the publisher's own process receives it the same way, which keeps one order
 * for all replicas.
 */
export class PgEventBus implements EventBus {
  private readonly listeners = new Set<(event: DomainEvent) => void>();
  private listener: pg.Client | null = null;
  private delivery: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly clientConfig: pg.ClientConfig,
    private readonly log: EventLogRepository,
    private readonly logger: Logger,
  ) {}

  static async start(clientConfig: pg.ClientConfig, log: EventLogRepository, logger: Logger): Promise<PgEventBus> {
    const bus = new PgEventBus(clientConfig, log, logger);
    await bus.connect();
    return bus;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.clientConfig);
    client.on('notification', (message) => {
      if (message.channel === EVENT_CHANNEL && message.payload) this.receive(message.payload);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'event listener connection lost; reconnecting');
      this.listener = null;
      void client.end().catch(() => undefined);
      this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENT_CHANNEL}`);
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
    // Chained, so that an event read back from the log cannot overtake a later inline one.
    this.delivery = this.delivery.then(async () => {
      try {
        const note = JSON.parse(raw) as Notification;
        const event = note.event ? ({ ...note.event, payload: reviveDates(note.event.payload) } as DomainEvent) : await this.log.find(note.experimentId, note.id);
        if (event === null) return;
        for (const listener of this.listeners) listener(event);
      } catch (error) {
        this.logger.error({ err: error }, 'event delivery failed');
      }
    });
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
