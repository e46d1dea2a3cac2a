import { Arg, Args, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import type { Services } from '../../core/services.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { WorkerView } from '../../core/workers/worker.service.js';
import { Needs } from '../auth/permission.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import { claimantOf, scopeOf, type GraphQLContext } from '../common/context.js';
import { PAGE_COST } from '../limits/index.js';
import { RegisterWorkerInput, Worker, WorkersArgs } from './worker.type.js';

export const WorkerConnection = Connection('Worker', Worker);

/**
 * The worker registry: `graphnas worker` processes register what they have and renew it
 * as their heartbeat; people and autoscalers list them. A worker's identity is the one
 * its trials record (its key and its name), so `currentTrials` are the trials it holds.
 */
@Resolver()
export class WorkerResolver {
  constructor(private readonly services: Services) {}

  @Query(() => WorkerConnection, { description: 'The workers alive now (or all, includeGone), oldest registration first.', complexity: PAGE_COST })
  @Needs(Permission.READ)
  async workers(@Args() args: WorkersArgs, @Ctx() ctx: GraphQLContext): Promise<ConnectionShape<WorkerView>> {
    return toConnection(await this.services.workers.list(args.includeGone, pageRequest(args.first, args.after), scopeOf(ctx)));
  }

  @Mutation(() => Worker, { description: 'Registers this worker, or renews its registration for leaseSeconds: call it again well within the lease, as a heartbeat.' })
  @Needs(Permission.WORK)
  registerWorker(
    @Arg('input') input: RegisterWorkerInput,
    @Arg('leaseSeconds', () => Int, { defaultValue: 60 }) leaseSeconds: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WorkerView> {
    return this.services.workers.register({ id: claimantOf(ctx, input.name), name: input.name, project: scopeOf(ctx) }, input, leaseSeconds);
  }

  @Mutation(() => Boolean, { description: 'A stopping worker leaves the registry; true when it was registered.' })
  @Needs(Permission.WORK)
  unregisterWorker(@Arg('name') name: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return this.services.workers.unregister({ id: claimantOf(ctx, name), name });
  }
}
