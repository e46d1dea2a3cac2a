import { filter, pipe } from '@graphql-yoga/subscription';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import { assertId } from '../../core/errors.js';
import { Topic } from '../../core/events/topics.js';
import type { Services } from '../../core/services.js';
import type { ExperimentRecord, TrialMetricRecord, TrialRecord } from '../../core/storage/records.js';
import { Needs } from '../auth/permission.js';
import { scopeOf, type GraphQLContext } from '../common/context.js';
import { listCost } from '../limits/index.js';
import { Experiment } from '../experiment/experiment.type.js';
import { Trial, TrialMetric } from './trial.type.js';

interface TrialUpdatedArgs {
  experimentId: string;
}

@Resolver(() => Trial)
export class TrialResolver {
  constructor(private readonly services: Services) {}

  @Query(() => Trial, { nullable: true })
  @Needs(Permission.READ)
  trial(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrialRecord> {
    return this.services.trials.get(id, scopeOf(ctx));
  }

  // Reached from a trial the caller was already allowed to see.
  @FieldResolver(() => Experiment)
  experiment(@Root() trial: TrialRecord): Promise<ExperimentRecord> {
    return this.services.experiments.get(trial.experimentId, null);
  }

  // Steps × metric names: a proxy's few epochs of a few metrics.
  @FieldResolver(() => [TrialMetric], { description: 'Learning curve points, by step; all names unless `name` is given.', complexity: listCost({ fallback: 20 }) })
  metrics(@Root() trial: TrialRecord, @Arg('name', () => String, { nullable: true }) name: string | null): Promise<TrialMetricRecord[]> {
    return this.services.trials.metrics(trial.id, name);
  }

  @Subscription(() => Trial, {
    description: 'Every state change of every trial of the experiment, with final metrics once finished.',
    subscribe: async ({ args, context }) => {
      const { experimentId } = args as TrialUpdatedArgs;
      const ctx = context as GraphQLContext;
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      return ctx.pubSub.subscribe(Topic.TrialUpdated, experimentId);
    },
  })
  @Needs(Permission.READ)
  trialUpdated(@Root() trial: TrialRecord, @Arg('experimentId', () => ID) _experimentId: string): TrialRecord {
    return trial;
  }

  @Subscription(() => TrialMetric, {
    description: 'Learning-curve points as evaluators report them; all trials of the experiment unless `trialId` is given.',
    subscribe: async ({ args, context }) => {
      const { experimentId, trialId } = args as TrialUpdatedArgs & { trialId?: string | null };
      const ctx = context as GraphQLContext;
      if (trialId) assertId('trialId', trialId);
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      const source = ctx.pubSub.subscribe(Topic.TrialMetricReported, experimentId);
      return trialId ? pipe(source, filter((metric) => metric.trialId === trialId)) : source;
    },
  })
  @Needs(Permission.READ)
  trialMetricReported(
    @Root() metric: TrialMetricRecord,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Arg('trialId', () => ID, { nullable: true }) _trialId: string | null,
  ): TrialMetricRecord {
    return metric;
  }
}

