import { defaultFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { GraphnasError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { GraphQLContext } from './common/context.js';

const TARGET_ARGS = ['id', 'experimentId', 'trialId', 'searchSpaceId'] as const;

/** The id a mutation named, or the one it created. */
function targetOf(args: Record<string, unknown>, result: unknown): string | null {
  for (const name of TARGET_ARGS) if (typeof args[name] === 'string') return args[name];
  const input = args.input as Record<string, unknown> | undefined;
  if (typeof input?.searchSpaceId === 'string') return input.searchSpaceId;
  const created = result as { id?: unknown; key?: { id?: unknown } } | null | undefined;
  if (typeof created?.id === 'string') return created.id;
  if (typeof created?.key?.id === 'string') return created.key.id;
  return null;
}

export function outcomeOf(error: unknown): string {
  if (error instanceof GraphnasError) return error.code === 'INTERNAL' ? 'INTERNAL_SERVER_ERROR' : error.code;
  const code = (error as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/**
 * Records every mutation that runs, on either transport, with who ran it, on what, and
 * how it ended. Recording never changes the answer: a failed write is logged.
 *
 * It wraps the Mutation type's resolvers in place rather than running as a type-graphql
 * global middleware: a global middleware wraps every field of every query (a dashboard
 * page resolves thousands), and it would be asked each time only to say "not a mutation".
 */
export function auditMutations(schema: GraphQLSchema, logger: Logger): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (source: unknown, args: Record<string, unknown>, context: GraphQLContext, info: GraphQLResolveInfo): Promise<unknown> => {
      const record = (outcome: string, result: unknown): Promise<void> =>
        context.services.audit
          .record({ principal: context.principal, operation: info.fieldName, target: targetOf(args, result), outcome, requestId: context.requestId, transport: context.transport })
          .catch((error: unknown) => logger.error({ err: error, requestId: context.requestId, operation: info.fieldName }, 'could not record a mutation in the audit trail'));
      try {
        const result: unknown = await resolve(source, args, context, info);
        await record('OK', result);
        return result;
      } catch (error) {
        await record(outcomeOf(error), null);
        throw error;
      }
    };
  }
}
