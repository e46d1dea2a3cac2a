import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T = Record<string, unknown>> {
  readonly data?: T | null;
  readonly errors?: readonly {
    readonly message: string;
    readonly path?: readonly (string | number)[];
    readonly extensions?: Record<string, unknown> & { code?: string };
  }[];
}

/** Who a test client is: an API key or OIDC token sent as `Authorization: Bearer`. */
export interface As {
  readonly token?: string;
}

function authorization(as: As): Record<string, string> {
  return as.token === undefined ? {} : { authorization: `Bearer ${as.token}` };
}

/** A GraphQL request over HTTP, as any client would send it. */
export async function gql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: As = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorization(as) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Like `gql`, but fails the test on any error and returns the data. */
export async function gqlOk<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, as: As = {}): Promise<T> {
  const result = await gql<T>(url, query, variables, as);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL error: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** The error code of the first error, for assertions. */
export function errorCode(result: GraphQLResponse<unknown>): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

export interface Subscription<T> {
  /** Every payload received so far, in order. */
  readonly received: T[];
  readonly errors: unknown[];
  /** Resolves once `predicate` holds for the received payloads (or rejects after `timeoutMs`). */
  until(predicate: (received: readonly T[]) => boolean, timeoutMs?: number): Promise<readonly T[]>;
  close(): Promise<void>;
}

/** A real graphql-ws client over a real WebSocket; the credentials travel in `connection_init`. */
export function wsClient(url: string, as: As = {}): Client {
  return createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams: authorization(as) });
}

/** Opens its own graphql-ws connection for one subscription; `close` ends both. */
export async function subscribe<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  pick: (data: Record<string, unknown>) => T,
  as: As = {},
): Promise<Subscription<T>> {
  const client = wsClient(url, as);
  const received: T[] = [];
  const errors: unknown[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => waiters.forEach((w) => w());
  let acknowledged!: () => void;
  const ready = new Promise<void>((resolve) => (acknowledged = resolve));
  const off = client.on('connected', () => acknowledged());
  const dispose = client.subscribe<Record<string, unknown>>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) received.push(pick(value.data));
        notify();
      },
      error: (error) => {
        errors.push(error);
        notify();
      },
      complete: () => notify(),
    },
  );
  await ready;
  off();
  // The server registers the subscription after the connection is acknowledged; a short
  // settle keeps the test from publishing into a subscription that does not exist yet.
  await new Promise((resolve) => setTimeout(resolve, 150));
  return {
    received,
    errors,
    until(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (predicate(received)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(received);
          } else if (errors.length > 0) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`subscription error: ${JSON.stringify(errors)}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out; received ${received.length} events: ${JSON.stringify(received).slice(0, 500)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}
