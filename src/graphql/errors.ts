import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphnasError } from '../errors/index.js';
import type { Logger } from '../logger.js';

/**
 * The one mapping from errors to what a client may see. A GraphnasError carries its
 * stable code, its details and, for bad input, every issue as `fields: [{path, message}]`;
 * GraphQL's own errors (syntax, validation, variable coercion) keep theirs; everything
 * else, and INTERNAL, is an error whose message could leak SQL, paths or stack traces, so
 * it is logged and replaced.
 */
export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GraphnasError && original.code !== 'INTERNAL') {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, ...(original.issues.length > 0 ? { fields: original.issues } : {}), code: original.code },
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
