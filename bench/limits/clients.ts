import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** How one operation was answered: its first error's code (`ok` without one) or the socket's close, and how long it took. */
export interface Answer {
  readonly outcome: string;
  readonly ms: number;
  readonly status?: number;
}

export interface Client {
  readonly url: string;
  readonly token: string;
}

export async function overHttp(client: Client, body: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(client.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${client.token}` }, body });
  const text = await response.text();
  const ms = performance.now() - started;
  let outcome = 'unparsable';
  try {
    const json = JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] };
    outcome = json.errors?.[0]?.extensions?.code ?? 'ok';
  } catch {
    // reported as unparsable
  }
  return { outcome, ms, status: response.status };
}

export const httpOperation = (client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Answer> => overHttp(client, JSON.stringify({ query, variables }));

/** One operation over a fresh graphql-ws connection, timed from `subscribe` to its first answer (or the socket's close). */
export function overWebSocket(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(client.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    let started = 0;
    const done = (answer: Answer): void => {
      socket.removeAllListeners('close');
      socket.close();
      resolve(answer);
    };
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${client.token}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
      if (message.type === 'connection_ack') {
        started = performance.now();
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
      } else if (message.type === 'error') {
        const errors = message.payload as { extensions?: { code?: string } }[];
        done({ outcome: errors[0]?.extensions?.code ?? 'uncoded', ms: performance.now() - started });
      } else if (message.type === 'next') {
        const result = message.payload as { errors?: { extensions?: { code?: string } }[] };
        done({ outcome: result.errors?.[0]?.extensions?.code ?? 'ok', ms: performance.now() - started });
      }
    });
    socket.on('close', (code) => resolve({ outcome: `closed ${code}`, ms: performance.now() - started }));
    socket.on('error', reject);
  });
}

/** What the attacker thread is asked to send, back to back, until `durationMs` is up or it has sent `max`. */
export interface AttackJob {
  readonly client: Client;
  readonly transport: 'http' | 'ws';
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** A body sent as it is instead of `{ query, variables }` (HTTP). */
  readonly rawBody?: string;
  readonly durationMs: number;
  readonly max: number;
}

export async function attackLoop(job: AttackJob): Promise<Answer[]> {
  const answers: Answer[] = [];
  const until = performance.now() + job.durationMs;
  while (performance.now() < until && answers.length < job.max) {
    if (job.transport === 'ws') answers.push(await overWebSocket(job.client, job.query, job.variables));
    else answers.push(job.rawBody === undefined ? await httpOperation(job.client, job.query, job.variables) : await overHttp(job.client, job.rawBody));
  }
  return answers;
}
