import type { DomainEvent } from './topics.js';

/**
 * Hands committed events to the API processes that have subscribers. Nobody publishes to
 * it: events are emitted inside the transaction that causes them (`Transaction.emit`),
 * stored with it in the experiment's event log (the outbox), and reach the bus only once
 * that transaction has committed. A listener receives each event once per process, in
 * commit order per experiment.
 *
 * Implementations: `LocalEventBus` (one process, the embedded mode: the storage delivers
 * to it right after COMMIT) and `PgEventBus` (PostgreSQL LISTEN/NOTIFY: the storage sends
 * NOTIFY inside the transaction, so the notification leaves with the commit and every
 * replica behind a load balancer sees every event).
 */
export interface EventBus {
  /** Returns the function that removes the listener. */
  onEvent(listener: (event: DomainEvent) => void): () => void;
  close(): Promise<void>;
}

/** What the storage calls after a transaction that emitted events has committed. */
export interface CommitListener {
  committed(events: readonly DomainEvent[]): void;
}

export class LocalEventBus implements EventBus, CommitListener {
  private readonly listeners = new Set<(event: DomainEvent) => void>();

  committed(events: readonly DomainEvent[]): void {
    for (const e of events) for (const listener of this.listeners) listener(e);
  }

  onEvent(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
