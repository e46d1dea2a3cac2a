import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Permission, type Principal as PrincipalRecord } from '../../core/access/access.js';
import type { CreatedApiKey as CreatedApiKeyRecord } from '../../core/keys/api-key.service.js';
import type { Services } from '../../core/services.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { ApiKeyRecord, AuditRecord } from '../../core/storage/records.js';
import { Needs } from '../auth/permission.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import type { GraphQLContext } from '../common/context.js';
import { PAGE_COST } from '../limits/index.js';
import { ApiKey, ApiKeysArgs, AuditEvent, AuditLogArgs, CreateApiKeyInput, CreatedApiKey, Principal } from './access.type.js';

export const ApiKeyConnection = Connection('ApiKey', ApiKey);
export const AuditEventConnection = Connection('AuditEvent', AuditEvent);

/** Who am I, API keys and the audit trail. */
@Resolver()
export class AccessResolver {
  constructor(private readonly services: Services) {}

  @Query(() => Principal, { description: 'The caller, with its role and project scope: what a dashboard shows and which buttons it offers.' })
  @Needs(Permission.SELF)
  viewer(@Ctx() ctx: GraphQLContext): PrincipalRecord {
    return ctx.principal;
  }

  @Query(() => ApiKeyConnection, { description: 'Every API key, newest first (tokens are never shown again).', complexity: PAGE_COST })
  @Needs(Permission.ADMINISTER)
  async apiKeys(@Args() args: ApiKeysArgs): Promise<ConnectionShape<ApiKeyRecord>> {
    return toConnection(await this.services.keys.list(pageRequest(args.first, args.after)));
  }

  @Mutation(() => CreatedApiKey, { description: 'A new key; its token is in this answer only.' })
  @Needs(Permission.ADMINISTER)
  createApiKey(@Arg('input') input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreatedApiKeyRecord> {
    return this.services.keys.create(input, `${ctx.principal.kind}:${ctx.principal.id}`);
  }

  @Mutation(() => ApiKey, { description: 'The key stops working at once here and within seconds on every replica; its open WebSockets are closed (4403).' })
  @Needs(Permission.ADMINISTER)
  revokeApiKey(@Arg('id', () => ID) id: string): Promise<ApiKeyRecord> {
    return this.services.keys.revoke(id);
  }

  @Query(() => AuditEventConnection, { description: 'Every mutation: who, what, on which id, when, and how it ended; newest first.', complexity: PAGE_COST })
  @Needs(Permission.ADMINISTER)
  async auditLog(@Args() args: AuditLogArgs): Promise<ConnectionShape<AuditRecord>> {
    return toConnection(await this.services.audit.list({ principalId: args.principalId, operation: args.operation }, pageRequest(args.first, args.after)));
  }
}
