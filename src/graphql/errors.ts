import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphnasError } from '../errors/index.js';
import { currentRequestId } from '../http/request-id.js';
import type { Logger } from '../logger.js';
import { hideSuggestions } from './limits/index.js';

export interface ErrorMappingOptions {
  /** Whether messages may keep graphql-js's "Did you mean …?" hints. */
  readonly fieldSuggestions: boolean;
}

/** Formats one error for a client; the request id defaults to that of the work in progress (HTTP). */
export type FormatError = (formatted: GraphQLFormattedError, error: unknown, requestId?: string | null) => GraphQLFormattedError;

/**
 * The one mapping from errors to what a client may see, on HTTP and WebSocket alike.
 *
 * - A GraphnasError carries its stable code, its details and, for bad input, every issue
 *   as `fields: [{path, message}]`.
 * - An error with a code of its own (graphql's parse and validation failures, the
 *   limits, the transports' refusals) keeps it; one without a code and outside execution
 *   is about the request (variables that do not fit, say): BAD_USER_INPUT.
 * - Everything else, INTERNAL included, is a bug or an outage whose message could leak
 *   SQL, paths or stack traces: it is logged with the request id and replaced by
 *   INTERNAL_SERVER_ERROR, which carries that id for the client to quote.
 *
 * Transport hints (`http`) and stack traces never leave.
 */
export function formatError(logger: Logger, options: ErrorMappingOptions): FormatError {
  const clean = (message: string): string => (options.fieldSuggestions ? message : hideSuggestions(message));
  return (formatted, error, requestId = currentRequestId()) => {
    const original = unwrapResolverError(error);
    const { locations, path } = formatted;
    if (original instanceof GraphnasError && original.code !== 'INTERNAL') {
      const extensions = { ...original.details, ...(original.issues.length > 0 ? { fields: original.issues } : {}), code: original.code };
      return { message: original.message, locations, path, extensions };
    }
    // Apollo has already stamped INTERNAL_SERVER_ERROR on errors without a code; what
    // the error itself says is what counts.
    const own = error instanceof GraphQLError ? error.extensions.code : formatted.extensions?.code;
    const code = typeof own === 'string' && own !== 'INTERNAL_SERVER_ERROR' ? own : undefined;
    const fromGraphql = original instanceof GraphQLError && original.originalError === undefined;
    if (code !== undefined || (fromGraphql && path === undefined)) {
      const { stacktrace: _stack, http: _http, ...extensions } = formatted.extensions ?? {};
      return { message: clean(formatted.message), locations, path, extensions: { ...extensions, code: code ?? 'BAD_USER_INPUT' } };
    }
    const cause = original instanceof GraphQLError ? (original.originalError ?? original) : original;
    logger.error({ err: cause, requestId, path }, 'unexpected error while answering an operation');
    return {
      message: 'Internal server error',
      locations,
      path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId === null ? {} : { requestId }) },
    };
  };
}
