import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { DomainError } from '../core/errors.js';
import type { Logger } from '../logger.js';

/**
 * Maps errors to what a client may see. Domain errors carry their stable code and
 * details; GraphQL's own errors (syntax, validation, variable coercion) keep theirs;
 * everything else is an internal error whose message could leak SQL, paths or stack
 * traces, so it is logged and replaced.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, code: original.code },
      };
    }
    const code = formatted.extensions?.code;
    const isGraphQLOwn = original instanceof GraphQLError && original.originalError === undefined;
    if (isGraphQLOwn || (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR')) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error while resolving');
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
