import { Client, fetchExchange, subscriptionExchange, type AnyVariables, type CombinedError } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws/client';
import { Store } from '../model/store.js';

/**
 * The dashboard's one way to the API: urql over HTTP for queries and mutations, and
 * graphql-ws on the same /graphql path for subscriptions, both carrying the API key.
 *
 * Subscriptions deliver live events only, so every live view follows one rule: query
 * the state, follow the subscription, and query again whenever the socket comes back
 * (`onReconnect`), which is how the views recover after the server restarts.
 */

/** How the live connection stands, for the header's indicator. */
export type LinkState = 'connecting' | 'live' | 'reconnecting' | 'refused';

/** An answer with errors, reduced to what the views show: the first code, and every field problem. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly fields: readonly { readonly path: string; readonly message: string }[],
  ) {
    super(message);
  }

  static from(error: CombinedError): ApiError {
    const first = error.graphQLErrors[0];
    if (first === undefined) return new ApiError(error.networkError ? 'the server does not answer' : error.message, 'NETWORK', []);
    const extensions = first.extensions as { code?: unknown; fields?: unknown };
    const fields = Array.isArray(extensions.fields)
      ? extensions.fields.filter((f): f is { path: string; message: string } => typeof f === 'object' && f !== null && typeof (f as { path?: unknown }).path === 'string')
      : [];
    return new ApiError(first.message, typeof extensions.code === 'string' ? extensions.code : 'ERROR', fields);
  }
}

/** graphql-ws close codes after which a retry cannot help: the key was refused, or the request was malformed. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403]);

export class Api {
  readonly link = new Store<LinkState>('connecting');
  private ws: WsClient | null = null;
  private readonly client: Client;
  private readonly authorization: string | undefined;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(readonly key: string | null) {
    const authorization = key === null ? undefined : `Bearer ${key}`;
    this.authorization = authorization;
    const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
    this.client = new Client({
      url: '/graphql',
      exchanges: [
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: this.socket().subscribe({ ...request, query: request.query ?? '' }, sink) }),
          }),
        }),
      ],
      // Views keep their own state from queries and events; urql's document cache would only serve stale pages.
      requestPolicy: 'network-only',
      preferGetMethod: false,
      fetchOptions: () => ({ headers }),
    });
  }

  /**
   * The live socket, opened once the key has been accepted over HTTP: a socket opened
   * with a refused key is closed at once (4403), which is no way to greet a login page.
   */
  connect(): void {
    this.socket();
  }

  private socket(): WsClient {
    if (this.ws !== null) return this.ws;
    const authorization = this.authorization;
    const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    this.ws = createWsClient({
      url: wsUrl,
      connectionParams: authorization === undefined ? {} : { authorization },
      // Kept open, so the indicator and the re-query after a restart do not wait for the next subscription.
      lazy: false,
      retryAttempts: Number.POSITIVE_INFINITY,
      // Capped backoff: a restarted server is picked up within a few seconds, not minutes.
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(4000, 250 * 2 ** Math.min(retries, 4)) * (0.75 + Math.random() * 0.5))),
      shouldRetry: (event) => !(typeof event === 'object' && event !== null && 'code' in event && FATAL_CLOSE_CODES.has((event as CloseEvent).code)),
      keepAlive: 10_000,
      // The indicator shows the failure; graphql-ws would otherwise log it as an error.
      onNonLazyError: () => undefined,
      on: {
        connected: (_socket, _payload, wasRetry) => {
          this.link.set('live');
          if (wasRetry) this.reconnectListeners.forEach((listener) => listener());
        },
        closed: (event) => {
          const code = typeof event === 'object' && event !== null && 'code' in event ? (event as CloseEvent).code : 0;
          this.link.set(FATAL_CLOSE_CODES.has(code) ? 'refused' : 'reconnecting');
        },
      },
    });
    return this.ws;
  }

  async query<T>(document: string, variables: AnyVariables = {}): Promise<T> {
    const result = await this.client.query<T>(document, variables).toPromise();
    if (result.error) throw ApiError.from(result.error);
    if (result.data === undefined) throw new ApiError('the server sent no data', 'NETWORK', []);
    return result.data;
  }

  async mutate<T>(document: string, variables: AnyVariables = {}): Promise<T> {
    const result = await this.client.mutation<T>(document, variables).toPromise();
    if (result.error) throw ApiError.from(result.error);
    if (result.data === undefined) throw new ApiError('the server sent no data', 'NETWORK', []);
    return result.data;
  }

  /** Follows a subscription until the returned function is called; errors are reported, not thrown. */
  subscribe<T>(document: string, variables: AnyVariables, onData: (data: T) => void, onError: (error: ApiError) => void = () => undefined): () => void {
    const subscription = this.client.subscription<T>(document, variables).subscribe((result) => {
      if (result.error) onError(ApiError.from(result.error));
      else if (result.data !== undefined) onData(result.data);
    });
    return () => subscription.unsubscribe();
  }

  /**
   * Follows a subscription that resumes: it starts `after` the given event id (read by a
   * query first, so nothing between the query and the subscription is missed) and every
   * resubscription — the socket's own after a reconnect, or one after the server ended
   * it as a slow consumer — asks for the events after the last one delivered, so the
   * view ends with exactly the events it would have had, without a re-query.
   * `eventIdOf` reads the delivered object's `eventId`.
   */
  follow<T>(
    document: string,
    variables: Record<string, unknown>,
    after: number | null,
    eventIdOf: (data: T) => number | null | undefined,
    onData: (data: T) => void,
    onError: (error: ApiError) => void = () => undefined,
  ): () => void {
    let last = after;
    let stopped = false;
    let stop: () => void = () => undefined;
    const start = (): void => {
      // graphql-ws serialises the payload on every (re)subscription: the getter gives the latest id each time.
      const payload = {
        query: document,
        get variables(): Record<string, unknown> {
          return { ...variables, after: last };
        },
      };
      stop = this.socket().subscribe<T>(payload, {
        next: (result) => {
          if (result.errors !== undefined && result.errors.length > 0) {
            onError(new ApiError(result.errors[0]!.message, String(result.errors[0]!.extensions?.code ?? 'ERROR'), []));
            return;
          }
          if (result.data === undefined || result.data === null) return;
          const data = result.data as T;
          const id = eventIdOf(data);
          if (typeof id === 'number' && (last === null || id > last)) last = id;
          onData(data);
        },
        error: (error: unknown) => {
          if (stopped) return;
          const first = Array.isArray(error) ? (error[0] as { message?: string; extensions?: { code?: unknown; reason?: unknown; after?: unknown } } | undefined) : undefined;
          // Ended for falling behind: go on from where the server says, at once.
          if (first?.extensions?.reason === 'SLOW_CONSUMER') {
            if (typeof first.extensions.after === 'number' && (last === null || first.extensions.after > last)) last = first.extensions.after;
            start();
            return;
          }
          onError(new ApiError(first?.message ?? (error instanceof Error ? error.message : 'the subscription ended'), typeof first?.extensions?.code === 'string' ? first.extensions.code : 'ERROR', []));
        },
        complete: () => undefined,
      });
    };
    start();
    return () => {
      stopped = true;
      stop();
    };
  }

  /** A server-relative file fetched with the key (a plain link cannot send the Authorization header). */
  async fetchFile(url: string): Promise<Blob> {
    const response = await fetch(url, { headers: this.authorization === undefined ? {} : { authorization: this.authorization } });
    if (!response.ok) {
      // Errors outside GraphQL come in GraphQL's shape: { errors: [{ message, extensions: { code } }] }.
      const body = (await response.json().catch(() => null)) as { errors?: { message?: string; extensions?: { code?: string } }[] } | null;
      const first = body?.errors?.[0];
      throw new ApiError(first?.message ?? `${response.status} ${response.statusText}`, first?.extensions?.code ?? String(response.status), []);
    }
    return response.blob();
  }

  /** Called each time the socket is re-established after a loss (a restart, a network blip). */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  dispose(): void {
    this.reconnectListeners.clear();
    void this.ws?.dispose();
  }
}
