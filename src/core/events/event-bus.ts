import type { DomainEvent } from './topics.js';

/**
 * Carries domain events from the services that cause them to every API process that has
 * subscribers. Services publish after their transaction commits; a listener receives
 * each event once per process, in publication order per publishing process.
 *
 * Implementations: `LocalEventBus` (one process: the embedded mode) and `PgEventBus`
 * (PostgreSQL LISTEN/NOTIFY: every replica behind a load balancer sees every event).
 */
export interface EventBus {
  publish(event: DomainEvent): Promise<void>;
  /** Returns the function that removes the listener. */
  onEvent(listener: (event: DomainEvent) => void): () => void;
  close(): Promise<void>;
}

export class LocalEventBus implements EventBus {
  private readonly listeners = new Set<(event: DomainEvent) => void>();

  async publish(event: DomainEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
