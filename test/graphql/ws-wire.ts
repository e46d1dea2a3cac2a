import WebSocket from 'ws';
import type { GraphQLResponse } from '../helpers/graphql-client.js';

/** How one operation ended over graphql-ws: its `error` message, or its results until `complete`. */
export interface WireOutcome {
  /** `error`: refused before it ran; `complete`: it ran (queries, mutations); `open`: a subscription still running when looked at. */
  readonly end: 'error' | 'complete' | 'open';
  /** The errors of an `error` message, or of every `next` payload. */
  readonly errors: NonNullable<GraphQLResponse['errors']>;
  readonly results: readonly GraphQLResponse[];
}

interface Pending {
  readonly results: GraphQLResponse[];
  readonly resolve: (outcome: WireOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The graphql-ws protocol spoken by hand over one real WebSocket, many operations at
 * once: graphql-ws's own client turns refusals into exceptions to retry, while a test
 * wants to see exactly what the server sent.
 */
export class WireClient {
  private nextId = 0;
  private readonly pending = new Map<string, Pending>();
  /** The close code, once the server has closed the socket. */
  closeCode: number | null = null;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.receive(JSON.parse(String(data)) as { type: string; id?: string; payload?: unknown }));
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const [id, p] of this.pending) this.finish(id, p, 'error', [{ message: `socket closed (${code})` }]);
    });
  }

  /** Connects and initialises with the token, resolving on `connection_ack`. */
  static open(url: string, token?: string, headers: Record<string, string> = {}): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers });
      const onAck = (data: WebSocket.RawData): void => {
        if ((JSON.parse(String(data)) as { type: string }).type !== 'connection_ack') return;
        socket.off('message', onAck);
        resolve(new WireClient(socket));
      };
      socket.on('message', onAck);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: token === undefined ? {} : { authorization: `Bearer ${token}` } })));
      socket.once('close', (code) => reject(new Error(`closed with ${code} before connection_ack`)));
      socket.once('error', reject);
    });
  }

  /**
   * Runs one operation. A subscription that is accepted sends nothing until an event:
   * after `openMs` without an answer it counts as `open` and is completed from here.
   */
  run(query: string, variables?: Record<string, unknown> | null, operationName?: string, openMs = 10_000): Promise<WireOutcome> {
    const id = String(++this.nextId);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const p = this.pending.get(id);
        if (p === undefined) return;
        if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ id, type: 'complete' }));
        this.finish(id, p, 'open', []);
      }, openMs);
      this.pending.set(id, { results: [], resolve, timer });
      this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables, operationName } }));
    });
  }

  /** Sends any frame, well-formed or not. */
  sendRaw(data: string): void {
    this.socket.send(data);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.close(1000);
    await closed;
  }

  private receive(message: { type: string; id?: string; payload?: unknown }): void {
    if (message.type === 'ping') {
      this.socket.send(JSON.stringify({ type: 'pong' }));
      return;
    }
    const p = message.id === undefined ? undefined : this.pending.get(message.id);
    if (p === undefined || message.id === undefined) return;
    if (message.type === 'next') {
      const result = message.payload as GraphQLResponse;
      p.results.push(result);
    } else if (message.type === 'error') this.finish(message.id, p, 'error', message.payload as NonNullable<GraphQLResponse['errors']>);
    else if (message.type === 'complete') this.finish(message.id, p, 'complete', []);
  }

  private finish(id: string, p: Pending, end: WireOutcome['end'], errors: NonNullable<GraphQLResponse['errors']>): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve({ end, errors: [...errors, ...p.results.flatMap((r) => r.errors ?? [])], results: p.results });
  }
}
