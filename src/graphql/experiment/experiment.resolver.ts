import { Arg, Args, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { assertId } from '../../core/errors.js';
import { Topic } from '../../core/events/topics.js';
import type { Services } from '../../core/services.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { ExperimentRecord, SearchSpaceRecord, TrialRecord } from '../../core/storage/records.js';
import type { TrialOrder as TrialOrderValue } from '../../core/storage/storage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import type { GraphQLContext } from '../common/context.js';
import { TrialOrder } from '../common/enums.js';
import { SearchSpace } from '../search-space/search-space.type.js';
import { Trial } from '../trial/trial.type.js';
import { CreateExperimentInput, ExperimentsArgs, UpdateExperimentInput } from './experiment.input.js';
import { Experiment, TrialCounts } from './experiment.type.js';

export const ExperimentConnection = Connection('Experiment', Experiment);
export const TrialConnection = Connection('Trial', Trial);

@Resolver(() => Experiment)
export class ExperimentResolver {
  constructor(private readonly services: Services) {}

  @Query(() => ExperimentConnection)
  async experiments(@Args() args: ExperimentsArgs): Promise<ConnectionShape<ExperimentRecord>> {
    const filter = { statuses: args.status, searchSpaceId: args.searchSpaceId, nameContains: args.nameContains };
    return toConnection(await this.services.experiments.list(filter, pageRequest(args.first, args.after)));
  }

  @Query(() => Experiment, { nullable: true })
  experiment(@Arg('id', () => ID) id: string): Promise<ExperimentRecord> {
    return this.services.experiments.get(id);
  }

  @Mutation(() => Experiment)
  createExperiment(@Arg('input') input: CreateExperimentInput): Promise<ExperimentRecord> {
    return this.services.experiments.create(input);
  }

  @Mutation(() => Experiment)
  updateExperiment(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateExperimentInput): Promise<ExperimentRecord> {
    return this.services.experiments.update(id, input);
  }

  @Mutation(() => ID, { description: 'Deletes the experiment with its trials, metrics and checkpoints; CONFLICT while RUNNING.' })
  async deleteExperiment(@Arg('id', () => ID) id: string): Promise<string> {
    await this.services.experiments.delete(id);
    return id;
  }

  @FieldResolver(() => SearchSpace)
  searchSpace(@Root() experiment: ExperimentRecord): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.get(experiment.searchSpaceId);
  }

  @FieldResolver(() => TrialConnection)
  async trials(
    @Root() experiment: ExperimentRecord,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => [TrialStatus], { nullable: true }) status: TrialStatus[] | null,
    @Arg('orderBy', () => TrialOrder, { defaultValue: 'SEQUENCE_ASC' }) orderBy: TrialOrderValue,
  ): Promise<ConnectionShape<TrialRecord>> {
    return toConnection(await this.services.trials.list(experiment.id, { statuses: status }, orderBy, pageRequest(first, after)));
  }

  @FieldResolver(() => Trial, { nullable: true, description: 'The finished trial with the best reward so far.' })
  bestTrial(@Root() experiment: ExperimentRecord): Promise<TrialRecord | null> {
    return this.services.experiments.bestTrial(experiment);
  }

  @FieldResolver(() => TrialCounts)
  async trialCounts(@Root() experiment: ExperimentRecord): Promise<TrialCounts> {
    const c = await this.services.experiments.trialCounts(experiment.id);
    const total = Object.values(c).reduce((a, b) => a + b, 0);
    return { pending: c.PENDING, running: c.RUNNING, succeeded: c.SUCCEEDED, failed: c.FAILED, pruned: c.PRUNED, cancelled: c.CANCELLED, total };
  }

  @Subscription(() => Experiment, {
    description: 'Every change of the experiment: configuration, status, best trial, trial counts.',
    subscribe: async ({ args, context }) => {
      const { id } = args as { id: string };
      const ctx = context as GraphQLContext;
      assertId('id', id);
      await ctx.services.experiments.get(id);
      return ctx.pubSub.subscribe(Topic.ExperimentUpdated, id);
    },
  })
  experimentUpdated(@Root() experiment: ExperimentRecord, @Arg('id', () => ID) _id: string): ExperimentRecord {
    return experiment;
  }
}
