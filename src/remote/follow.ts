import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { RemoteServiceError, authorization, type RemoteService, type WireError } from './client.js';

/**
 * Following one experiment of a service over graphql-ws with nothing missed, for
 * `graphnas run --url` and `graphnas watch`. Every subscription starts `after` an event
 * id and remembers the last id it delivered; when the connection drops (a restart, a
 * network cut, a proxy's idle timeout, a socket that stopped answering pings) this
 * reconnects and resubscribes each one `after` its own cursor, and a subscription the
 * server ended as a slow consumer resumes after the cursor it was given
 * (docs/subscriptions.md). graphql-ws's own retry is off: it would resubscribe with the
 * variables of the first subscribe, replaying or losing events.
 */

/** The subscription fields an experiment has; each takes the experiment's id and `after`. */
export type StreamField = 'experimentUpdated' | 'trialUpdated' | 'trialMetricReported' | 'policyUpdated';

/** A payload as the wire delivers it: untyped JSON, with the `eventId` every subscription payload carries. */
export type StreamPayload = Readonly<Record<string, unknown>> & { readonly eventId: number };

export interface Stream {
  readonly field: StreamField;
  /** The payload's fields, without braces; `eventId` is always asked for. */
  readonly selection: string;
  readonly onEvent: (payload: StreamPayload) => void;
}

/** graphql-ws closes a socket it terminated itself (here: no pong in time) with this code. */
const CLOSE_TERMINATED = 4499;
/** graphql-ws's close code for missing or bad credentials (the server's contract). */
const CLOSE_FORBIDDEN = 4403;
/**
 * Closes worth reconnecting for: a restart or shutdown (1001, 1012), a lost network
 * (1006, 1005), an overloaded or failing server (1011, 1013, 1014), a clean close (1000)
 * and our own termination of a socket that stopped answering. Any other 4xxx is the
 * server's refusal (credentials, a bad request) and would be refused again.
 */
const RETRYABLE_CLOSES: ReadonlySet<number> = new Set([1000, 1001, 1005, 1006, 1011, 1012, 1013, 1014, CLOSE_TERMINATED]);

const PING_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
/** How long a lost connection is retried before following gives up (with the cursor to resume from). */
export const GIVE_UP_MS = 120_000;

function closeCode(event: unknown): number | null {
  const code = (event as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

function closeReason(event: unknown): string {
  if (event instanceof Error) return event.message;
  if (Array.isArray(event)) return (event as WireError[]).map((e) => e.message).join('; ');
  // A CloseEvent, or ws's ErrorEvent for a socket that never opened (refused, HTTP 400 for a wrong path).
  const close = event as { code?: unknown; reason?: unknown; message?: unknown };
  if (typeof close.code === 'number') return `WebSocket closed with ${close.code}${close.reason ? ` (${String(close.reason)})` : ''}`;
  return typeof close.message === 'string' ? close.message : String(event);
}

/** True for a drop worth reconnecting after: a retryable close, or a network error with no close code at all. */
function retryable(event: unknown): boolean {
  const code = closeCode(event);
  return code === null ? !Array.isArray(event) : RETRYABLE_CLOSES.has(code);
}

export function socketError(service: RemoteService, what: string, event: unknown): RemoteServiceError {
  if (closeCode(event) === CLOSE_FORBIDDEN) {
    return new RemoteServiceError(
      `${service.url} ${what}: ${closeReason(event)}; it needs ${service.apiKey === null ? 'an API key: set GRAPHNAS_API_KEY (or --key)' : 'a valid API key'}`,
      'UNAUTHENTICATED',
      { cause: event },
    );
  }
  return new RemoteServiceError(`${service.url} ${what}: ${closeReason(event)}`, null, { cause: event });
}

/** An open graphql-ws connection and how it ends. */
export interface Socket {
  readonly client: Client;
  /** Resolves with the close event (or error) once the connection is gone. */
  readonly lost: Promise<unknown>;
  dispose(): Promise<void>;
}

/**
 * Opens a graphql-ws connection and waits for the server to acknowledge it, so that a
 * service this process could not follow (refused credentials, no WebSocket endpoint) is
 * found out before anything is created. A socket that stops answering pings is
 * terminated, which reads as a lost connection.
 */
export async function connectSocket(service: RemoteService): Promise<Socket> {
  let opened!: () => void;
  let lostWith!: (event: unknown) => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  const lost = new Promise<unknown>((resolve) => (lostWith = resolve));
  let pongDue: NodeJS.Timeout | null = null;
  const client: Client = createClient({
    url: service.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: authorization(service.apiKey),
    lazy: false,
    retryAttempts: 0,
    keepAlive: PING_MS,
    onNonLazyError: (event) => lostWith(event),
    on: {
      connected: () => opened(),
      ping: (received) => {
        if (received) return;
        pongDue = setTimeout(() => client.terminate(), PONG_TIMEOUT_MS);
        pongDue.unref();
      },
      pong: (received) => {
        if (received && pongDue) clearTimeout(pongDue);
      },
      closed: (event) => {
        if (pongDue) clearTimeout(pongDue);
        lostWith(event);
      },
    },
  });
  const first = await Promise.race([open.then(() => null), lost.then((event) => ({ event }))]);
  if (first !== null) {
    await client.dispose();
    throw socketError(service, 'cannot be followed over graphql-ws', first.event);
  }
  return { client, lost, dispose: async () => { await client.dispose(); } };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface FollowOptions {
  /** Deliver the events with ids above this one first (0: the whole history). */
  readonly after: number;
  /** The connection that checked the service; a new one is opened when absent. */
  readonly socket?: Socket;
  /** Told when the connection dropped and when it is back, for a message to the user. */
  readonly onDrop?: (reason: string) => void;
  readonly onResume?: () => void;
}

/**
 * Follows `streams` of one experiment until `stop`; `ended` rejects when following is no
 * longer possible (a refusal, an error of the service, a connection lost for GIVE_UP_MS).
 */
export class ExperimentFollower {
  private readonly cursors = new Map<StreamField, number>();
  private socket: Socket | null = null;
  private unsubscribes: (() => void)[] = [];
  private stopped = false;
  private reconnecting = false;
  private lastEventAt = Date.now();
  private settle!: { resolve: () => void; reject: (error: Error) => void };
  /** Resolves after `stop`; rejects when following failed. */
  readonly ended: Promise<void>;

  constructor(
    private readonly service: RemoteService,
    private readonly experimentId: string,
    private readonly streams: readonly Stream[],
    private readonly options: FollowOptions,
  ) {
    for (const s of streams) this.cursors.set(s.field, options.after);
    this.ended = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    // A caller that only awaits its own condition must not see an unhandled rejection.
    this.ended.catch(() => undefined);
  }

  /** The last event id each stream delivered: where a later `--after` resumes. */
  cursor(): number {
    return Math.min(...this.cursors.values());
  }

  async start(): Promise<void> {
    this.attach(this.options.socket ?? (await connectSocket(this.service)));
  }

  /** Resolves once no event arrived for `quietMs` (or after `maxMs`): the other streams' last events of a finished experiment. */
  async drain(quietMs = 300, maxMs = 3_000): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until && Date.now() - this.lastEventAt < quietMs) await sleep(Math.min(quietMs, until - Date.now()));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.detach();
    await this.socket?.dispose();
    this.socket = null;
    this.settle.resolve();
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    this.stopped = true;
    this.detach();
    void this.socket?.dispose();
    this.socket = null;
    this.settle.reject(error);
  }

  private attach(socket: Socket): void {
    this.socket = socket;
    void socket.lost.then((event) => {
      if (this.socket === socket) void this.reconnect(event);
    });
    for (const stream of this.streams) this.subscribe(socket, stream);
  }

  private detach(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private subscribe(socket: Socket, stream: Stream): void {
    const argument = stream.field === 'experimentUpdated' ? 'id' : 'experimentId';
    const query = `subscription Follow($id: ID!, $after: Int) { ${stream.field}(${argument}: $id, after: $after) { eventId ${stream.selection} } }`;
    let done = false;
    const unsubscribe = socket.client.subscribe<Record<string, StreamPayload>>(
      { query, variables: { id: this.experimentId, after: this.cursors.get(stream.field) } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return this.refused(stream, errors as readonly WireError[]);
          const payload = data?.[stream.field];
          if (!payload || this.stopped) return;
          this.lastEventAt = Date.now();
          // A replay that overlaps what was delivered before a drop is skipped, not repeated.
          if (payload.eventId <= this.cursors.get(stream.field)!) return;
          this.cursors.set(stream.field, payload.eventId);
          stream.onEvent(payload);
        },
        error: (error) => {
          done = true;
          // A lost socket is handled once, for all streams, by `lost`.
          if (Array.isArray(error)) this.refused(stream, error as readonly WireError[]);
        },
        complete: () => {
          // Completed by the server while the socket lives: taken as a drop, resumed from the cursor.
          if (!done && !this.stopped && this.socket === socket) void this.reconnect({ code: 1000, reason: `the service completed ${stream.field}` });
        },
      },
    );
    this.unsubscribes.push(() => {
      done = true;
      unsubscribe();
    });
  }

  /** The service ended one subscription with errors: a slow consumer resumes from its cursor; anything else ends following. */
  private refused(stream: Stream, errors: readonly WireError[]): void {
    const slow = errors.find((e) => (e.extensions as { reason?: unknown } | undefined)?.reason === 'SLOW_CONSUMER');
    if (slow && this.socket !== null && !this.stopped) {
      const after = (slow.extensions as { after?: unknown }).after;
      if (typeof after === 'number') this.cursors.set(stream.field, Math.max(this.cursors.get(stream.field)!, after));
      this.subscribe(this.socket, stream);
      return;
    }
    this.fail(RemoteServiceError.fromErrors(this.service.url, stream.field, errors));
  }

  private async reconnect(event: unknown): Promise<void> {
    if (this.stopped || this.reconnecting) return;
    if (!retryable(event)) return this.fail(socketError(this.service, `ended the subscriptions to experiment ${this.experimentId}`, event));
    this.reconnecting = true;
    this.detach();
    const previous = this.socket;
    this.socket = null;
    await previous?.dispose();
    this.options.onDrop?.(closeReason(event));
    const since = Date.now();
    let last: unknown = event;
    for (let attempt = 0; !this.stopped; attempt++) {
      await sleep(Math.min(FIRST_RETRY_MS * 2 ** attempt, MAX_RETRY_MS));
      if (this.stopped) break;
      try {
        const socket = await connectSocket(this.service);
        if (this.stopped) {
          await socket.dispose();
          break;
        }
        this.reconnecting = false;
        this.attach(socket);
        this.options.onResume?.();
        return;
      } catch (error) {
        last = (error as { cause?: unknown }).cause ?? error;
        if (!retryable(last) || Date.now() - since > GIVE_UP_MS) {
          this.reconnecting = false;
          return this.fail(
            socketError(this.service, `cannot be reached again to follow experiment ${this.experimentId}`, last).withNote(`resume with --after ${this.cursor()}`),
          );
        }
      }
    }
    this.reconnecting = false;
  }
}
