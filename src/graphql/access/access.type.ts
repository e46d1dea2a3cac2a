import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ROLES } from '../../core/access/access.js';

export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r.toUpperCase(), r])) as { VIEWER: 'viewer'; OPERATOR: 'operator'; WORKER: 'worker'; ADMIN: 'admin' };
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'VIEWER reads; OPERATOR also runs searches; WORKER only claims and reports trials; ADMIN does everything, keys and the audit trail included.',
});

@ObjectType({ description: 'Who the caller is, as the server sees it.' })
export class Principal {
  @Field({ description: 'api-key, oidc, local (no key exists yet, loopback) or anonymous (GRAPHNAS_AUTH=off).' }) kind!: string;
  @Field() id!: string;
  @Field() name!: string;
  @Field(() => RoleEnum) role!: string;
  @Field(() => String, { nullable: true, description: 'The one project it may see; null for every project.' }) project!: string | null;
}

@ObjectType({ description: 'An API key; the token itself is shown once, when it is created.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'The start of the token, to tell keys apart.' }) prefix!: string;
  @Field(() => RoleEnum) role!: string;
  @Field(() => String, { nullable: true }) project!: string | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() createdBy!: string;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey) key!: ApiKey;
  @Field({ description: 'The secret: shown this once and never again (only its hash is stored).' }) token!: string;
}

@InputType()
export class CreateApiKeyInput {
  @Field() name!: string;
  @Field(() => RoleEnum) role!: 'viewer' | 'operator' | 'worker' | 'admin';
  @Field(() => String, { nullable: true, description: 'Scope the key to one project; absent: every project.' }) project?: string | null;
  @Field(() => Date, { nullable: true }) expiresAt?: Date | null;
}

@ObjectType({ description: 'One mutation as the audit trail recorded it.' })
export class AuditEvent {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field() principalKind!: string;
  @Field() principalId!: string;
  @Field() principalName!: string;
  @Field(() => RoleEnum) role!: string;
  @Field({ description: 'The mutation, e.g. cancelExperiment.' }) operation!: string;
  @Field(() => String, { nullable: true, description: 'The id it named or created.' }) target!: string | null;
  @Field({ description: 'OK, or the error code it ended with.' }) outcome!: string;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field() transport!: string;
}

@ArgsType()
export class AuditLogArgs {
  @Field(() => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => String, { nullable: true }) principalId?: string;
  @Field(() => String, { nullable: true }) operation?: string;
}

@ArgsType()
export class ApiKeysArgs {
  @Field(() => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
}
