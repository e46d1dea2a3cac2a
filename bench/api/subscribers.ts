/**
 * The subscribers of bench/api.ts, in a process of their own (forked with IPC), so that
 * the server's memory and event loop are its own: N graphql-ws clients on loopback, each
 * one WebSocket with one `trialUpdated` subscription, speaking the protocol directly
 * (graphql-ws's client keeps far more per connection than a benchmark needs).
 *
 * Each client keeps the event ids it received, in order, and the delay from the trial's
 * `updatedAt` (set in the transaction that committed the change) to receipt. A client
 * ended by the server (slow consumer, a closed socket) resubscribes `after` its last event
 * id, as a dashboard does; the bench counts those ends apart.
 */
import WebSocket from 'ws';
import { percentile } from '../percentiles.js';

const QUERY = `subscription($id: ID!, $after: Int) { trialUpdated(experimentId: $id, after: $after) { eventId updatedAt } }`;

export type Command =
  | { readonly type: 'open'; readonly url: string; readonly experimentId: string; readonly n: number; readonly after: number | null }
  | { readonly type: 'waitFor'; readonly count: number; readonly timeoutMs: number }
  | { readonly type: 'drop' }
  | { readonly type: 'check'; readonly expected: readonly number[] }
  | { readonly type: 'close' };

export interface Check {
  readonly clients: number;
  /** Clients whose list is exactly `expected`. */
  readonly complete: number;
  readonly lost: number;
  readonly maxLostPerClient: number;
  readonly duplicates: number;
  readonly outOfOrder: number;
  /** Subscriptions the server ended with an error (by reason), each resumed `after` its cursor. */
  readonly ends: Record<string, number>;
  /** Sockets that closed while the client wanted them open, by close code. */
  readonly closes: Record<string, number>;
  readonly delayMs: { readonly n: number; readonly p50: number; readonly p99: number; readonly max: number };
  readonly rssBytes: number;
}

class Client {
  readonly ids: number[] = [];
  readonly delays: number[] = [];
  private socket: WebSocket | null = null;
  private wanted = true;
  private subscription = 0;

  constructor(
    private readonly url: string,
    private readonly experimentId: string,
    private readonly tally: { ends: Record<string, number>; closes: Record<string, number> },
  ) {}

  /** Where the client resumes: its last event, or, before any, where it first subscribed. */
  private from: number | null = null;

  get last(): number | null {
    return this.ids.at(-1) ?? this.from;
  }

  /** Resolves once the subscription is sent (after the server's `connection_ack`). */
  open(after: number | null): Promise<void> {
    this.wanted = true;
    if (this.ids.length === 0) this.from = after;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      this.socket = socket;
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('error', reject);
      socket.on('close', (code) => {
        if (this.wanted && this.socket === socket) this.tally.closes[code] = (this.tally.closes[code] ?? 0) + 1;
        reject(new Error(`closed ${code} before the subscription was sent`));
      });
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { type: string; id?: string; payload?: unknown };
        if (message.type === 'connection_ack') {
          this.subscribe(after);
          resolve();
        } else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        else if (message.type === 'next') this.received(message.payload as { data?: { trialUpdated?: { eventId: number; updatedAt: string } } });
        else if (message.type === 'error') this.ended(message.payload as { extensions?: { reason?: string; code?: string; after?: number } }[]);
        // The server finished the subscription: never expected while the experiment runs, so counted.
        else if (message.type === 'complete') this.tally.ends.complete = (this.tally.ends.complete ?? 0) + 1;
      });
    });
  }

  private subscribe(after: number | null): void {
    this.subscription += 1;
    this.socket!.send(JSON.stringify({ id: String(this.subscription), type: 'subscribe', payload: { query: QUERY, variables: { id: this.experimentId, after } } }));
  }

  private received(payload: { data?: { trialUpdated?: { eventId: number; updatedAt: string } } }): void {
    const event = payload.data?.trialUpdated;
    if (event === undefined) return;
    this.ids.push(event.eventId);
    this.delays.push(Date.now() - Date.parse(event.updatedAt));
  }

  private ended(errors: { extensions?: { reason?: string; code?: string; after?: number } }[]): void {
    const extensions = errors[0]?.extensions;
    const reason = extensions?.reason ?? extensions?.code ?? 'unknown';
    this.tally.ends[reason] = (this.tally.ends[reason] ?? 0) + 1;
    this.subscribe(this.last ?? extensions?.after ?? null);
  }

  /** As a network drop does it: no close handshake. */
  drop(): void {
    this.wanted = false;
    this.socket?.terminate();
    this.socket = null;
  }

  close(): void {
    this.wanted = false;
    this.socket?.close();
  }
}

const clients: Client[] = [];
const tally = { ends: {} as Record<string, number>, closes: {} as Record<string, number> };

/** Opens (or reopens) clients 100 at a time: a storm of handshakes, not a single burst the listen backlog refuses. */
async function openAll(list: readonly Client[], after: (c: Client) => number | null): Promise<{ opened: number; failed: number; firstError: string | null }> {
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  for (let i = 0; i < list.length; i += 100) {
    const results = await Promise.allSettled(list.slice(i, i + 100).map((c) => c.open(after(c))));
    for (const r of results) {
      if (r.status === 'fulfilled') opened += 1;
      else {
        failed += 1;
        firstError ??= String(r.reason);
      }
    }
  }
  return { opened, failed, firstError };
}

function check(expected: readonly number[]): Check {
  let complete = 0;
  let lost = 0;
  let maxLost = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  const want = new Set(expected);
  const delays: number[] = [];
  for (const c of clients) {
    const got = new Set(c.ids);
    const missing = expected.filter((id) => !got.has(id)).length;
    lost += missing;
    maxLost = Math.max(maxLost, missing);
    duplicates += c.ids.length - got.size;
    for (let i = 1; i < c.ids.length; i++) if (c.ids[i]! <= c.ids[i - 1]!) outOfOrder += 1;
    if (c.ids.length === expected.length && c.ids.every((id, i) => id === expected[i])) complete += 1;
    for (let i = 0; i < c.ids.length; i++) if (want.has(c.ids[i]!)) delays.push(c.delays[i]!);
  }
  delays.sort((a, b) => a - b);
  return {
    clients: clients.length,
    complete,
    lost,
    maxLostPerClient: maxLost,
    duplicates,
    outOfOrder,
    ends: tally.ends,
    closes: tally.closes,
    delayMs: { n: delays.length, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99), max: delays.at(-1) ?? NaN },
    rssBytes: process.memoryUsage().rss,
  };
}

async function waitFor(count: number, timeoutMs: number): Promise<{ ready: number; min: number }> {
  const until = Date.now() + timeoutMs;
  const ready = (): number => clients.filter((c) => c.ids.length >= count).length;
  while (ready() < clients.length && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return { ready: ready(), min: Math.min(...clients.map((c) => c.ids.length)) };
}

process.on('message', (command: Command) => {
  const reply = (message: unknown): void => void process.send!(message);
  void (async () => {
    switch (command.type) {
      case 'open': {
        const fresh = Array.from({ length: command.n }, () => new Client(command.url, command.experimentId, tally));
        clients.push(...fresh);
        reply({ type: 'opened', ...(await openAll(fresh, () => command.after)) });
        break;
      }
      case 'waitFor':
        reply({ type: 'waited', ...(await waitFor(command.count, command.timeoutMs)) });
        break;
      case 'drop': {
        for (const c of clients) c.drop();
        reply({ type: 'dropped', ...(await openAll(clients, (c) => c.last)) });
        break;
      }
      case 'check':
        reply({ type: 'checked', check: check(command.expected) });
        break;
      case 'close':
        for (const c of clients) c.close();
        setTimeout(() => process.exit(0), 200);
        break;
    }
  })().catch((error: unknown) => reply({ type: 'failed', error: String(error) }));
});
