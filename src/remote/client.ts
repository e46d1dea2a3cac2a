import { GraphnasError, type ErrorCode, type Issue } from '../errors/index.js';

/**
 * The graphnas API as a client sees it, for the CLI's commands that talk to a running
 * service instead of opening the store: GraphQL over HTTP with the caller's key, and the
 * service's refusals as errors with the service's own code.
 */

export interface RemoteService {
  /** The GraphQL endpoint, `http(s)://host:port/graphql`; subscriptions use the same URL over ws(s). */
  readonly url: string;
  /** Sent as `Authorization: Bearer` on HTTP and in graphql-ws's `connection_init`; null sends none. */
  readonly apiKey: string | null;
  /**
   * A call that has no answer after this long fails as unreachable. Absent: fetch's own
   * limits, which on a link cut mid-request wait minutes for the kernel to give up.
   */
  readonly timeoutMs?: number;
}

/** The service's codes that mean the same here; the rest (GraphQL's own, internal errors) are kept in `serverCode`. */
const SAME_CODES: readonly string[] = ['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'RATE_LIMITED', 'UNAVAILABLE'] satisfies ErrorCode[];

export interface WireError {
  readonly message: string;
  readonly extensions?: { readonly code?: unknown; readonly fields?: unknown };
}

/** The service refused an operation, or could not be reached or followed. */
export class RemoteServiceError extends GraphnasError {
  constructor(
    message: string,
    readonly serverCode: string | null,
    options: { issues?: readonly Issue[]; cause?: unknown } = {},
  ) {
    super(RemoteServiceError.code(serverCode), message, { ...options, details: { serverCode } });
  }

  /** No code: the service did not answer (or not in GraphQL), which may pass. */
  private static code(serverCode: string | null): ErrorCode {
    if (serverCode === null) return 'UNAVAILABLE';
    return SAME_CODES.includes(serverCode) ? (serverCode as ErrorCode) : 'INTERNAL';
  }

  /** The same error with what became of the experiment added to its message. */
  withNote(note: string): RemoteServiceError {
    return new RemoteServiceError(`${this.message}; ${note}`, this.serverCode, { issues: this.issues, cause: this.cause });
  }

  static fromErrors(url: string, operation: string, errors: readonly WireError[]): RemoteServiceError {
    const first = errors[0]!;
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : null;
    const fields = Array.isArray(first.extensions?.fields) ? (first.extensions.fields as Issue[]) : [];
    // The message names the first problem; a user fixes all of them in one go.
    const detail = fields.length > 1 ? fields.map((f) => `\n  ${f.path}: ${f.message}`).join('') : '';
    return new RemoteServiceError(`${url} refused ${operation}: ${first.message}${code ? ` [${code}]` : ''}${detail}`, code, { issues: fields });
  }
}

export function authorization(apiKey: string | null): Record<string, string> {
  return apiKey === null ? {} : { authorization: `Bearer ${apiKey}` };
}

export async function request<T>(service: RemoteService, operation: string, query: string, variables: Record<string, unknown>): Promise<T> {
  let response: Response;
  try {
    response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...authorization(service.apiKey) },
      body: JSON.stringify({ query, variables }),
      signal: service.timeoutMs === undefined ? undefined : AbortSignal.timeout(service.timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new RemoteServiceError(`cannot reach the service at ${service.url}: ${reason}`, null, { cause: error });
  }
  let body: { data?: T | null; errors?: readonly WireError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new RemoteServiceError(`${service.url} answered ${operation} with HTTP ${response.status} and no GraphQL response: is it a graphnas /graphql endpoint?`, null, { cause: error });
  }
  if (body.errors?.length) throw RemoteServiceError.fromErrors(service.url, operation, body.errors);
  if (!body.data) throw new RemoteServiceError(`${service.url} answered ${operation} with HTTP ${response.status} and no data`, null);
  return body.data;
}

