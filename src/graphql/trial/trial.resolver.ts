import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import { assertId } from '../../core/errors.js';
import { Topic, type DomainEvent, type ReportedMetric } from '../../core/events/topics.js';
import type { Services } from '../../core/services.js';
import type { ExperimentRecord, TrialMetricRecord, TrialRecord } from '../../core/storage/records.js';
import { Needs } from '../auth/permission.js';
import { AFTER, checkedAfter } from '../common/resume.js';
import { scopeOf, type GraphQLContext } from '../common/context.js';
import { listCost } from '../limits/index.js';
import { Experiment } from '../experiment/experiment.type.js';
import { TrialModel } from '../finalization/finalization.type.js';
import { modelOf } from '../finalization/model-urls.js';
import { Trial, TrialFinal, TrialMetric } from './trial.type.js';

interface TrialUpdatedArgs {
  experimentId: string;
  after?: number | null;
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
  experiment(@Root() trial: TrialRecord, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return ctx.loaders.experiment.load(trial.experimentId);
  }

  // Steps × metric names: a proxy's few epochs of a few metrics.
  @FieldResolver(() => [TrialMetric], { description: 'Learning curve points, by step; all names unless `name` is given.', complexity: listCost({ fallback: 20 }) })
  async metrics(@Root() trial: TrialRecord, @Arg('name', () => String, { nullable: true }) name: string | null, @Ctx() ctx: GraphQLContext): Promise<ReportedMetric[]> {
    return (await ctx.loaders.metrics.load({ trialId: trial.id, name })).map((m) => ({ ...m, stage: trial.stage }));
  }

  @FieldResolver(() => TrialFinal, { nullable: true, description: 'A FINAL trial’s retraining plan; null for search trials.' })
  final(@Root() trial: TrialRecord): TrialFinal | null {
    const f = trial.final;
    return f === null ? null : { round: f.round, replicate: f.replicate, seed: f.seed, budget: f.budget, inheritsWeights: f.inheritFromSeed !== null };
  }

  @FieldResolver(() => TrialModel, { nullable: true, description: 'The trained model a finished FINAL trial kept (tfjs-trainer finalists).' })
  model(@Root() trial: TrialRecord): TrialModel | null {
    return modelOf(trial);
  }

  @Subscription(() => Trial, {
    description: 'Every state change of every trial of the experiment, with final metrics once finished. With `after`, the events after that id first.',
    subscribe: async ({ args, context }) => {
      const { experimentId, after } = args as TrialUpdatedArgs;
      const ctx = context as GraphQLContext;
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      return ctx.services.feed.subscribe(experimentId, { topics: new Set([Topic.TrialUpdated]), after: checkedAfter(after) });
    },
  })
  @Needs(Permission.READ)
  trialUpdated(
    @Root() event: DomainEvent,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Arg('after', () => Int, { nullable: true, description: AFTER }) _after: number | null,
  ): TrialRecord & { eventId: number } {
    return { ...(event.payload as TrialRecord), eventId: event.id };
  }

  @Subscription(() => TrialMetric, {
    description: 'Learning-curve points as evaluators report them; all trials of the experiment unless `trialId` is given. With `after`, the events after that id first.',
    subscribe: async ({ args, context }) => {
      const { experimentId, trialId, after } = args as TrialUpdatedArgs & { trialId?: string | null };
      const ctx = context as GraphQLContext;
      if (trialId) assertId('trialId', trialId);
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      const accept = trialId ? (e: DomainEvent) => (e.payload as TrialMetricRecord).trialId === trialId : undefined;
      return ctx.services.feed.subscribe(experimentId, { topics: new Set([Topic.TrialMetricReported]), after: checkedAfter(after), accept });
    },
  })
  @Needs(Permission.READ)
  trialMetricReported(
    @Root() event: DomainEvent,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Arg('trialId', () => ID, { nullable: true }) _trialId: string | null,
    @Arg('after', () => Int, { nullable: true, description: AFTER }) _after: number | null,
  ): ReportedMetric & { eventId: number } {
    const payload = event.payload as ReportedMetric;
    return { ...payload, stage: payload.stage ?? null, eventId: event.id } as ReportedMetric & { eventId: number };
  }
}

