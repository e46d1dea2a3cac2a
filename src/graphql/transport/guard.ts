import { HeaderMap } from '@apollo/server';
import { GraphQLError, getOperationAST, type DocumentNode, type GraphQLSchema } from 'graphql';
import { GraphnasError } from '../../errors/index.js';
import type { Logger } from '../../logger.js';
import { authorizeOperation, selectedRootFields } from '../auth/permission.js';
import type { GraphQLContext } from '../common/context.js';
import type { OperationLimits, PrincipalRateLimiter } from '../limits/index.js';

/**
 * What every operation passes before it executes, on HTTP and WebSocket alike, cheapest
 * first:
 *
 * 1. `admit`, before the document is parsed: the caller's rate, then the document's size
 *    in tokens (the parse stops at the limit);
 * 2. `check`, once graphql's own rules have validated it: the operation resolves, the
 *    caller may use every root field it selects (a refused mutation is recorded in the
 *    audit trail like one that ran), and it stays within the depth, alias, directive
 *    and cost limits with the variables it came with.
 *
 * Nothing of a refused operation runs, so nothing of it is stored.
 */
export class OperationGuard {
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly logger: Logger,
    private readonly limits: OperationLimits,
    private readonly rate: PrincipalRateLimiter | null,
  ) {}

  /**
   * Counts the operation against the caller's rate and parses its document, if it came
   * with one (an Apollo persisted query may come as a hash alone). Returns the document
   * for the WebSocket transport to execute; Apollo parses its own.
   */
  async admit(source: string | undefined, context: GraphQLContext): Promise<DocumentNode | null> {
    await this.rate?.take(context.principal.id);
    return source === undefined ? null : this.limits.parse(source);
  }

  async check(document: DocumentNode, operationName: string | null | undefined, variables: Readonly<Record<string, unknown>> | null | undefined, context: GraphQLContext): Promise<void> {
    const operation = getOperationAST(document, operationName);
    if (operation == null) {
      throw new GraphQLError(operationName ? `the document has no operation named ${JSON.stringify(operationName)}` : 'the document has several operations: name the one to run (operationName)', {
        extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
      });
    }
    try {
      authorizeOperation(this.schema, document, operationName, context.principal);
    } catch (error) {
      const selected = selectedRootFields(document, operationName);
      if (selected?.operation === 'mutation') {
        for (const field of selected.fields) {
          await context.services.audit
            .record({ principal: context.principal, operation: field, target: null, outcome: 'FORBIDDEN', requestId: context.requestId, transport: context.transport })
            .catch((e: unknown) => this.logger.error({ err: e, requestId: context.requestId }, 'could not record a refused mutation in the audit trail'));
        }
      }
      throw error;
    }
    try {
      this.limits.check(document, operation, variables ?? undefined);
    } catch (error) {
      // graphql's own complaint about variables that do not fit the operation, which
      // counting the cost meets first: the caller's input, as Apollo would code it.
      if (error instanceof GraphQLError && error.extensions.code === undefined) {
        throw new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
      }
      throw error;
    }
  }
}

const STATUS: Readonly<Record<string, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429, UNAVAILABLE: 503 };

/** An error for the transports: GraphQL-shaped, with its code and the HTTP status (and headers) it stands for. */
export function transportError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof GraphnasError && error.code !== 'INTERNAL') {
    const status = STATUS[error.code] ?? 400;
    const retryAfter = error.details.retryAfterSeconds;
    const headers = typeof retryAfter === 'number' ? new HeaderMap([['retry-after', String(retryAfter)]]) : undefined;
    return new GraphQLError(error.message, { extensions: { ...error.details, code: error.code, http: { status, ...(headers ? { headers } : {}) } } });
  }
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } }, originalError: error instanceof Error ? error : undefined });
}
