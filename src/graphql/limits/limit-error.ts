import { GraphQLError } from 'graphql';

/** The limits an operation is measured against before anything of it runs. */
export type LimitName = 'tokens' | 'depth' | 'aliases' | 'directives' | 'cost';

/**
 * A refusal by one of the limits: one code for all of them, the same on HTTP and
 * WebSocket, so a client knows that retrying the same operation cannot help and which
 * limit to stay under (`limit`, `max`).
 */
export function limitExceeded(limit: LimitName, max: number, message: string, details: Readonly<Record<string, unknown>> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...details, code: 'LIMIT_EXCEEDED', limit, max, http: { status: 400 } } });
}
