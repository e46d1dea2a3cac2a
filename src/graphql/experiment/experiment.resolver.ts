import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import { Topic, type DomainEvent, type PolicyUpdate as PolicyUpdateRecord } from '../../core/events/topics.js';
import type { Services } from '../../core/services.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { ExperimentRecord, SearchSpaceRecord, TrialRecord } from '../../core/storage/records.js';
import type { DuplicateFilter as DuplicateFilterValue, TrialOrder as TrialOrderValue } from '../../core/storage/storage.js';
import { allTrials, sum } from '../../core/trials/tally.js';
import { TrialStage } from '../../core/trials/trial-stage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { toFinalization } from '../finalization/finalization.resolver.js';
import { Finalization } from '../finalization/finalization.type.js';
import { Needs } from '../auth/permission.js';
import { AFTER, checkedAfter } from '../common/resume.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import { scopeOf, type GraphQLContext } from '../common/context.js';
import { DuplicateFilter, TrialOrder } from '../common/enums.js';
import { PAGE_COST, listCost } from '../limits/index.js';
import { SearchSpace } from '../search-space/search-space.type.js';
import { Trial } from '../trial/trial.type.js';
import { CreateExperimentInput, ExperimentsArgs, UpdateExperimentInput } from './experiment.input.js';
import { BestSoFarPoint, Experiment, ExperimentProgress, PolicyUpdate, TrialCounts } from './experiment.type.js';

export const ExperimentConnection = Connection('Experiment', Experiment);
export const TrialConnection = Connection('Trial', Trial);

@Resolver(() => Experiment)
export class ExperimentResolver {
  constructor(private readonly services: Services) {}

  @Query(() => ExperimentConnection, { complexity: PAGE_COST })
  @Needs(Permission.READ)
  async experiments(@Args() args: ExperimentsArgs, @Ctx() ctx: GraphQLContext): Promise<ConnectionShape<ExperimentRecord>> {
    const filter = { statuses: args.status, searchSpaceId: args.searchSpaceId, nameContains: args.nameContains, project: args.project };
    return toConnection(await this.services.experiments.list(filter, pageRequest(args.first, args.after), scopeOf(ctx)));
  }

  @Query(() => Experiment, { nullable: true })
  @Needs(Permission.READ)
  experiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.experiments.get(id, scopeOf(ctx));
  }

  @Mutation(() => Experiment)
  @Needs(Permission.OPERATE)
  createExperiment(@Arg('input') input: CreateExperimentInput, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.experiments.create(input, scopeOf(ctx));
  }

  @Mutation(() => Experiment)
  @Needs(Permission.OPERATE)
  updateExperiment(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateExperimentInput, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.experiments.update(id, input, scopeOf(ctx));
  }

  @Mutation(() => ID, { description: 'Deletes the experiment with its trials, metrics and checkpoints; CONFLICT while RUNNING.' })
  @Needs(Permission.OPERATE)
  async deleteExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    await this.services.experiments.delete(id, scopeOf(ctx));
    return id;
  }

  @Mutation(() => Experiment, { description: 'CREATED → RUNNING: the scheduler starts proposing and evaluating trials.' })
  @Needs(Permission.OPERATE)
  startExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.lifecycle.start(id, scopeOf(ctx));
  }

  @Mutation(() => Experiment, { description: 'RUNNING → PAUSED: no new trials; trials already running finish and are recorded.' })
  @Needs(Permission.OPERATE)
  pauseExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.lifecycle.pause(id, scopeOf(ctx));
  }

  @Mutation(() => Experiment, { description: 'PAUSED → RUNNING.' })
  @Needs(Permission.OPERATE)
  resumeExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.lifecycle.resume(id, scopeOf(ctx));
  }

  @Mutation(() => Experiment, { description: '→ CANCELLED: pending and running trials are cancelled, in-process evaluations stopped.' })
  @Needs(Permission.OPERATE)
  cancelExperiment(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ExperimentRecord> {
    return this.services.lifecycle.cancel(id, scopeOf(ctx));
  }

  // The fields below hang off an experiment the caller was already allowed to see.
  @FieldResolver(() => SearchSpace)
  searchSpace(@Root() experiment: ExperimentRecord, @Ctx() ctx: GraphQLContext): Promise<SearchSpaceRecord> {
    return ctx.loaders.searchSpace.load(experiment);
  }

  @FieldResolver(() => TrialConnection, { complexity: PAGE_COST })
  async trials(
    @Root() experiment: ExperimentRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => [TrialStatus], { nullable: true }) status: TrialStatus[] | null,
    @Arg('orderBy', () => TrialOrder, { defaultValue: 'SEQUENCE_ASC' }) orderBy: TrialOrderValue,
    @Arg('duplicates', () => DuplicateFilter, { defaultValue: 'INCLUDE', description: 'EXCLUDE lists evaluations only, as the leaderboard does.' })
    duplicates: DuplicateFilterValue,
    @Arg('stage', () => TrialStage, { nullable: true, defaultValue: TrialStage.SEARCH, description: 'SEARCH (the default) or FINAL (the finalists); null for both.' })
    stage: TrialStage | null,
  ): Promise<ConnectionShape<TrialRecord>> {
    return toConnection(await this.services.trials.list(experiment.id, { statuses: status, duplicates, stage }, orderBy, pageRequest(first, after)));
  }

  @FieldResolver(() => Finalization, { nullable: true, description: 'The current round of finalizeExperiment, with its finalists and winner; null before any.' })
  async finalization(@Root() experiment: ExperimentRecord): Promise<Finalization | null> {
    const view = await this.services.finalizations.view(experiment.id, experiment.objective);
    return view === null ? null : toFinalization(view, view.record, null);
  }

  @FieldResolver(() => Trial, { nullable: true, description: 'The finished trial with the best reward so far.' })
  bestTrial(@Root() experiment: ExperimentRecord, @Ctx() ctx: GraphQLContext): Promise<TrialRecord | null> {
    return ctx.loaders.bestTrial.load(experiment);
  }

  @FieldResolver(() => [Trial], { description: 'The best evaluated trials, best first.', complexity: listCost({ argument: 'top', fallback: 10, max: 1000 }) })
  leaderboard(@Root() experiment: ExperimentRecord, @Arg('top', () => Int, { defaultValue: 10 }) top: number, @Ctx() ctx: GraphQLContext): Promise<TrialRecord[]> {
    return ctx.loaders.leaderboard.load({ experiment, top });
  }

  // One point per evaluation, up to the budget: weighed as a long search's curve.
  @FieldResolver(() => [BestSoFarPoint], { description: 'The best reward after each evaluated trial.', complexity: listCost({ fallback: 1000 }) })
  bestSoFar(@Root() experiment: ExperimentRecord, @Ctx() ctx: GraphQLContext): Promise<BestSoFarPoint[]> {
    return ctx.loaders.bestSoFar.load(experiment);
  }

  @FieldResolver(() => ExperimentProgress)
  async progress(@Root() experiment: ExperimentRecord, @Ctx() ctx: GraphQLContext): Promise<ExperimentProgress> {
    return this.services.experiments.progressFrom(experiment, await ctx.loaders.tally.load(experiment.id));
  }

  @FieldResolver(() => [PolicyUpdate], { description: 'The strategy after each update, oldest first.', complexity: listCost({ argument: 'limit', fallback: 1000, max: 100_000 }) })
  async policyHistory(@Root() experiment: ExperimentRecord, @Arg('limit', () => Int, { defaultValue: 1000 }) limit: number): Promise<PolicyUpdate[]> {
    return (await this.services.experiments.policyHistory(experiment.id, limit)).map(toPolicyUpdate);
  }

  @FieldResolver(() => TrialCounts)
  async trialCounts(@Root() experiment: ExperimentRecord, @Ctx() ctx: GraphQLContext): Promise<TrialCounts> {
    const tally = await ctx.loaders.tally.load(experiment.id);
    const c = allTrials(tally);
    return {
      pending: c.PENDING,
      running: c.RUNNING,
      succeeded: c.SUCCEEDED,
      failed: c.FAILED,
      pruned: c.PRUNED,
      cancelled: c.CANCELLED,
      total: sum(c),
      duplicates: sum(tally.duplicates),
    };
  }

  @FieldResolver(() => Int, {
    description:
      'The id of the event that delivered this experiment (subscriptions); read by a query, the id of its latest event: subscribe with `after` it to miss nothing.',
  })
  async eventId(@Root() experiment: ExperimentRecord & { eventId?: number }, @Ctx() ctx: GraphQLContext): Promise<number> {
    return experiment.eventId ?? (await ctx.loaders.lastEventId.load(experiment.id));
  }

  @Subscription(() => Experiment, {
    description: 'Every change of the experiment: configuration, status, best trial, trial counts. With `after`, the events after that id first (docs/subscriptions.md).',
    subscribe: async ({ args, context }) => {
      const { id, after } = args as { id: string; after?: number | null };
      const ctx = context as GraphQLContext;
      await ctx.services.experiments.get(id, scopeOf(ctx));
      return ctx.services.feed.subscribe(id, { topics: new Set([Topic.ExperimentUpdated]), after: checkedAfter(after) });
    },
  })
  @Needs(Permission.READ)
  experimentUpdated(
    @Root() event: DomainEvent,
    @Arg('id', () => ID) _id: string,
    @Arg('after', () => Int, { nullable: true, description: AFTER }) _after: number | null,
  ): ExperimentRecord & { eventId: number } {
    return { ...(event.payload as ExperimentRecord), eventId: event.id };
  }

  @Subscription(() => PolicyUpdate, {
    description: 'Every update of the strategy: step, baseline, mean reward, entropy. With `after`, the events after that id first.',
    subscribe: async ({ args, context }) => {
      const { experimentId, after } = args as { experimentId: string; after?: number | null };
      const ctx = context as GraphQLContext;
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      return ctx.services.feed.subscribe(experimentId, { topics: new Set([Topic.PolicyUpdated]), after: checkedAfter(after) });
    },
  })
  @Needs(Permission.READ)
  policyUpdated(
    @Root() event: DomainEvent,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Arg('after', () => Int, { nullable: true, description: AFTER }) _after: number | null,
  ): PolicyUpdate {
    return { ...toPolicyUpdate(event.payload as PolicyUpdateRecord), eventId: event.id };
  }
}

function toPolicyUpdate(record: PolicyUpdateRecord): PolicyUpdate {
  return { step: record.step, ...record.stats, observedTrials: record.observedTrialIds.length, createdAt: record.createdAt, eventId: null };
}
