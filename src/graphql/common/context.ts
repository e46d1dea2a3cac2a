import { workerIdentity, type Principal, type ProjectScope } from '../../core/access/access.js';
import type { Services } from '../../core/services.js';
import type { Reporter } from '../../core/trials/trial.service.js';
import type { Loaders } from '../loaders.js';

/** One per HTTP request, one per WebSocket operation: nothing request-scoped is shared. */
export interface GraphQLContext {
  readonly services: Services;
  readonly principal: Principal;
  /** Also in the response (`x-request-id`) and in the server's log lines for it. */
  readonly requestId: string;
  readonly transport: 'http' | 'websocket';
  /** What list fields load per parent, batched; this request's own (src/graphql/loaders.ts). */
  readonly loaders: Loaders;
}

export function scopeOf(ctx: GraphQLContext): ProjectScope {
  return ctx.principal.project;
}

/** The caller as a worker: its identity comes from its credential, the name is only a label. */
export function reporterOf(ctx: GraphQLContext, workerName: string | null): Reporter {
  return { workerId: workerIdentity(ctx.principal, workerName), scope: scopeOf(ctx) };
}

/** The `workerId` a claim records: the identity, with the worker's own name after a slash. */
export function claimantOf(ctx: GraphQLContext, workerName: string): string {
  const identity = workerIdentity(ctx.principal, workerName);
  return identity === workerName ? workerName : `${identity}/${workerName}`;
}
