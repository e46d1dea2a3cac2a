import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { GraphnasError } from '../../errors/index.js';
import type { Logger } from '../../logger.js';
import { authorizeOperation, selectedRootFields } from '../auth/permission.js';
import type { GraphQLContext } from '../common/context.js';

/**
 * What every operation passes before it executes, on HTTP and WebSocket alike: the
 * caller's right to each root field it selects. A refused mutation is recorded in the
 * audit trail like one that ran.
 */
export class OperationGuard {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly logger: Logger,
  ) {}

  async check(document: DocumentNode, operationName: string | null | undefined, context: GraphQLContext): Promise<void> {
    try {
      authorizeOperation(this.schema, document, operationName, context.principal);
    } catch (error) {
      const selected = selectedRootFields(document, operationName);
      if (selected?.operation === 'mutation') {
        for (const operation of selected.fields) {
          await context.services.audit
            .record({ principal: context.principal, operation, target: null, outcome: 'FORBIDDEN', requestId: context.requestId, transport: context.transport })
            .catch((e: unknown) => this.logger.error({ err: e, requestId: context.requestId }, 'could not record a refused mutation in the audit trail'));
        }
      }
      throw error;
    }
  }
}

/** An error for the transports: GraphQL-shaped, with its code and the HTTP status it stands for. */
export function transportError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof GraphnasError) {
    const status = error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'FORBIDDEN' ? 403 : error.code === 'RATE_LIMITED' ? 429 : error.code === 'UNAVAILABLE' ? 503 : 400;
    return new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, http: { status } } });
  }
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } }, originalError: error instanceof Error ? error : undefined });
}
