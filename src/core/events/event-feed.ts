import { setImmediate } from 'node:timers/promises';
import { GraphnasError } from '../errors.js';
import type { EventLogRepository } from '../storage/storage.js';
import type { EventBus } from './event-bus.js';
import type { DomainEvent, Topic } from './topics.js';

export interface EventFeedOptions {
  /**
   * Events one subscriber may have waiting; what it cannot take it reads from the event
   * log later, so memory per subscriber stays bounded and nobody waits for it.
   * @default 1000
   */
  readonly bufferSize?: number;
  /**
   * How far behind the newest event a subscriber may fall before it is ended with
   * SLOW_CONSUMER and a cursor to resume from (a consumer that stopped reading).
   * @default 10 × bufferSize
   */
  readonly maxLag?: number;
  /** Events read from the log per query while a subscriber replays what it missed. @default 500 */
  readonly replayBatch?: number;
}

/** The subscriber did not keep up; `after` is the id of the last event it was given. */
export class SlowConsumerError extends GraphnasError {
  constructor(experimentId: string, after: number, maxLag: number) {
    super(
      'UNAVAILABLE',
      `this subscription fell more than ${maxLag} events behind and was ended; resubscribe with after: ${after} to continue without a gap`,
      { details: { reason: 'SLOW_CONSUMER', experimentId, after }, retryable: true },
    );
  }
}

export interface FeedRequest {
  readonly topics: ReadonlySet<Topic>;
  /** Replay the experiment's events with ids above this first; null: live events only, from now. */
  readonly after: number | null;
  /** A further filter on the events of those topics (e.g. one trial's metrics). */
  readonly accept?: (event: DomainEvent) => boolean;
}

/**
 * One subscriber. Its queue holds at most `bufferSize` events; it follows the
 * experiment's event ids with a cursor, and whatever it cannot take from the bus (the
 * queue is full, it is replaying, an id went missing on the way: a NOTIFY lost to a
 * reconnect) it reads back from the event log at its own pace when there is room. So a
 * subscriber sees every event once and in order, its memory stays bounded, and no commit
 * or other subscriber ever waits for it. One that falls `maxLag` events behind the newest
 * is ended with SLOW_CONSUMER and the cursor to resume from.
 */
class Subscriber implements AsyncIterableIterator<DomainEvent> {
  private readonly queue: DomainEvent[] = [];
  private waiting: { resolve: (result: IteratorResult<DomainEvent>) => void; reject: (error: unknown) => void } | null = null;
  private ended: { error: unknown } | null = null;
  /** The id of the last event taken into the queue (or passed over as another topic's). */
  private cursor: number;
  /** The newest id known to exist. */
  private head: number;
  /** Replaying: the log may hold more than `head` says. */
  private headUnknown: boolean;
  /** The id of the last event the consumer took: where a resubscription resumes. */
  private lastDelivered: number;
  private reading = false;

  constructor(
    readonly experimentId: string,
    private readonly request: FeedRequest,
    private readonly log: EventLogRepository,
    private readonly bufferSize: number,
    private readonly maxLag: number,
    private readonly replayBatch: number,
    private readonly detach: (subscriber: Subscriber) => void,
    startAt: number,
  ) {
    this.cursor = startAt;
    this.head = startAt;
    this.lastDelivered = startAt;
    this.headUnknown = request.after !== null;
    if (this.headUnknown) this.pump();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DomainEvent> {
    return this;
  }

  get buffered(): number {
    return this.queue.length;
  }

  /** A live event from the bus. */
  receive(event: DomainEvent): void {
    if (this.ended !== null || event.id <= this.cursor) return;
    this.head = Math.max(this.head, event.id);
    if (this.head - this.lastDelivered > this.maxLag) {
      this.end(new SlowConsumerError(this.experimentId, this.lastDelivered, this.maxLag));
      return;
    }
    if (!this.reading && !this.headUnknown && event.id === this.cursor + 1 && this.queue.length < this.bufferSize) this.offer(event);
    else this.pump();
  }

  /** Reads from the log while the subscriber is behind and its queue has room. */
  private pump(): void {
    if (this.reading || this.ended !== null || this.queue.length >= this.bufferSize) return;
    if (!this.headUnknown && this.cursor >= this.head) return;
    this.reading = true;
    const want = Math.min(this.replayBatch, this.bufferSize - this.queue.length);
    this.log.listAfter(this.experimentId, this.cursor, want).then(
      (batch) => {
        this.reading = false;
        for (const event of batch) {
          this.head = Math.max(this.head, event.id);
          this.offer(event);
        }
        if (batch.length < want) {
          // The log's present: from here on the bus brings what is new.
          this.headUnknown = false;
          this.head = Math.max(this.head, this.cursor);
        }
        this.pump();
      },
      (error: unknown) => {
        this.reading = false;
        this.end(error);
      },
    );
  }

  private offer(event: DomainEvent): void {
    if (this.ended !== null || event.id <= this.cursor) return;
    this.cursor = event.id;
    if (!this.request.topics.has(event.topic) || (this.request.accept && !this.request.accept(event))) return;
    if (this.waiting !== null) {
      const { resolve } = this.waiting;
      this.waiting = null;
      this.lastDelivered = event.id;
      resolve({ value: event, done: false });
      return;
    }
    this.queue.push(event);
  }

  private end(error: unknown): void {
    if (this.ended !== null) return;
    this.ended = { error };
    this.queue.length = 0;
    this.detach(this);
    if (this.waiting !== null) {
      const { resolve, reject } = this.waiting;
      this.waiting = null;
      if (error === null) resolve({ value: undefined, done: true });
      else reject(error);
    }
  }

  next(): Promise<IteratorResult<DomainEvent>> {
    const event = this.queue.shift();
    if (this.queue.length < this.bufferSize / 2) this.pump();
    if (event !== undefined) {
      this.lastDelivered = event.id;
      return Promise.resolve({ value: event, done: false });
    }
    if (this.ended !== null) return this.ended.error === null ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.ended.error);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<DomainEvent>> {
    this.end(null);
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<DomainEvent>> {
    this.end(error);
    return Promise.reject(error);
  }
}

/** Subscribers handed their events per turn of the event loop. */
const DRAIN_SLICE = 64;

/**
 * The per-process fan-out of committed events to subscribers. The event bus hands each
 * committed event to `accept`, which only queues it: delivery to the subscribers happens
 * on a later turn of the event loop, so a commit (the scheduler's included) never waits
 * for them. Each subscriber has a bounded queue of its own; one that falls behind is
 * ended with a cursor instead of growing the server's memory or slowing the others.
 *
 * A subscription may start `after` an event id: it reads the gap from the experiment's
 * event log, then goes on live, with no event missed or repeated (src/db/outbox.ts writes
 * that log in the same transaction as the data).
 */
export class EventFeed {
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  private readonly pending: DomainEvent[] = [];
  private scheduled = false;
  private readonly bufferSize: number;
  private readonly maxLag: number;
  private readonly replayBatch: number;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly log: EventLogRepository,
    options: EventFeedOptions = {},
  ) {
    this.bufferSize = options.bufferSize ?? 1000;
    this.maxLag = options.maxLag ?? 10 * this.bufferSize;
    this.replayBatch = options.replayBatch ?? 500;
  }

  /** Starts taking the bus's events. */
  attach(bus: EventBus): void {
    this.unsubscribe = bus.onEvent((event) => this.accept(event));
  }

  /** For observability: how many subscriptions this process feeds, and how many events wait in their queues. */
  stats(): { subscribers: number; buffered: number } {
    let subscribers = 0;
    let buffered = 0;
    for (const set of this.subscribers.values()) {
      subscribers += set.size;
      for (const s of set) buffered += s.buffered;
    }
    return { subscribers, buffered };
  }

  private accept(event: DomainEvent): void {
    if (!this.subscribers.has(event.key)) return;
    this.pending.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      // A failure here is a bug in the feed: thrown out of the loop, as a synchronous one would be.
      setImmediate()
        .then(() => this.drain())
        .catch((error: unknown) =>
          queueMicrotask(() => {
            throw error;
          }),
        );
    }
  }

  /**
   * Delivers in rounds, a slice of subscribers per turn of the event loop: ten thousand
   * deliveries in one turn would hold the process (the scheduler, the API) for as long as
   * they take. What commits during a round waits for the next one, so under load each
   * subscriber is handed several events at once, which leave its socket in one write.
   * A subscriber that joins during a round is visited at its end (a Set's iterator sees
   * what is added behind it); one that misses an event reads it from the log.
   */
  private async drain(): Promise<void> {
    let visited = 0;
    for (let events = this.pending.splice(0); events.length > 0; events = this.pending.splice(0)) {
      const byKey = new Map<string, DomainEvent[]>();
      for (const event of events) {
        const list = byKey.get(event.key);
        if (list === undefined) byKey.set(event.key, [event]);
        else list.push(event);
      }
      for (const [key, list] of byKey) {
        for (const subscriber of this.subscribers.get(key) ?? []) {
          for (const event of list) subscriber.receive(event);
          if (++visited % DRAIN_SLICE === 0) await setImmediate();
        }
      }
    }
    this.scheduled = false;
  }

  /** The experiment's events of the asked topics, as an async iterator that ends when the subscriber lets go of it. */
  async subscribe(experimentId: string, request: FeedRequest): Promise<AsyncIterableIterator<DomainEvent>> {
    // A live-only subscription starts at the newest committed event, so the first live
    // one it sees is not mistaken for the end of a gap.
    const startAt = request.after ?? (await this.log.lastId(experimentId));
    const subscriber = new Subscriber(experimentId, request, this.log, this.bufferSize, this.maxLag, this.replayBatch, (s) => this.remove(s), startAt);
    let set = this.subscribers.get(experimentId);
    if (set === undefined) {
      set = new Set();
      this.subscribers.set(experimentId, set);
    }
    set.add(subscriber);
    return subscriber;
  }

  private remove(subscriber: Subscriber): void {
    const set = this.subscribers.get(subscriber.experimentId);
    set?.delete(subscriber);
    if (set?.size === 0) this.subscribers.delete(subscriber.experimentId);
  }

  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const set of this.subscribers.values()) for (const subscriber of set) void subscriber.return();
    this.subscribers.clear();
  }
}
