import { Arg, Ctx, ID, Int, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import { Topic, type DomainEvent } from '../../core/events/topics.js';
import type { FinalizationView } from '../../core/finalization/finalization.service.js';
import type { FinalistSummary } from '../../core/finalization/summary.js';
import type { Services } from '../../core/services.js';
import type { FinalizationRecord, TrialRecord } from '../../core/storage/records.js';
import { Needs } from '../auth/permission.js';
import { AFTER, checkedAfter } from '../common/resume.js';
import { scopeOf, type GraphQLContext } from '../common/context.js';
import { FinalizeExperimentInput } from './finalization.input.js';
import { Finalist, Finalization } from './finalization.type.js';

@Resolver(() => Finalization)
export class FinalizationResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => Finalization, {
    description:
      'Retrains the best distinct architectures of a finished search (SUCCEEDED, or ended with results) at a final budget with several seeds, tests each once on the held-out split, and picks the winner by validation. Finalists are FINAL trials of the experiment, run like its search trials. CONFLICT when the search is not over, a finalization is RUNNING or SUCCEEDED, or the data has no test split.',
  })
  @Needs(Permission.OPERATE)
  async finalizeExperiment(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => FinalizeExperimentInput, { nullable: true }) input: FinalizeExperimentInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Finalization> {
    const record = await this.services.finalizations.finalize(id, input ?? {}, scopeOf(ctx));
    return this.shape(record, null);
  }

  @Mutation(() => Finalization, { description: 'RUNNING → CANCELLED: unfinished finalists are cancelled, running ones stopped; a new round can be started.' })
  @Needs(Permission.OPERATE)
  async cancelFinalization(@Arg('id', () => ID, { description: 'The experiment.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<Finalization> {
    return this.shape(await this.services.finalizations.cancel(id, scopeOf(ctx)), null);
  }

  @Subscription(() => Finalization, {
    description: 'Every change of the experiment’s finalization (started, ended); trialUpdated carries its finalists’ progress. With `after`, the events after that id first.',
    subscribe: async ({ args, context }) => {
      const { experimentId, after } = args as { experimentId: string; after?: number | null };
      const ctx = context as GraphQLContext;
      await ctx.services.experiments.get(experimentId, scopeOf(ctx));
      return ctx.services.feed.subscribe(experimentId, { topics: new Set([Topic.FinalizationUpdated]), after: checkedAfter(after) });
    },
  })
  @Needs(Permission.READ)
  async finalizationUpdated(
    @Root() event: DomainEvent,
    @Arg('experimentId', () => ID) _experimentId: string,
    @Arg('after', () => Int, { nullable: true, description: AFTER }) _after: number | null,
  ): Promise<Finalization> {
    return this.shape(event.payload as FinalizationRecord, event.id);
  }

  private async shape(record: FinalizationRecord, eventId: number | null): Promise<Finalization> {
    const experiment = await this.services.experiments.get(record.experimentId, null);
    const view = await this.services.finalizations.view(record.experimentId, experiment.objective);
    // The view reads the current round; an event of an older one is shown as it was sent.
    return toFinalization(view !== null && view.record.round === record.round ? view : null, record, eventId);
  }
}

/** The GraphQL shape of a finalization: its record, its finalists with their trials, and what they found. */
export function toFinalization(view: FinalizationView | null, record: FinalizationRecord, eventId: number | null): Finalization {
  const trials = new Map<string, { proxy: TrialRecord; replicates: readonly TrialRecord[] }>((view?.finalists ?? []).map((f) => [f.proxy.id, f]));
  const finalist = (s: FinalistSummary): Finalist => {
    const f = trials.get(s.proxyTrialId);
    return {
      proxyTrial: f?.proxy,
      proxyRank: s.proxyRank,
      proxyReward: s.proxyReward,
      validation: s.validation,
      test: s.test,
      unfinished: s.unfinished,
      failed: s.failed,
      replicates: [...(f?.replicates ?? [])],
      bestReplicate: f?.replicates.find((t) => t.id === s.bestReplicateId) ?? null,
    };
  };
  const summary = view?.summary ?? null;
  return {
    experimentId: record.experimentId,
    round: record.round,
    status: record.status,
    topK: record.spec.topK,
    seeds: record.spec.seeds,
    budget: record.spec.budget,
    overrides: record.spec.overrides,
    inheritWeights: record.spec.inheritWeights,
    finalists: (summary?.finalists ?? []).map(finalist),
    winner: summary?.winner ? finalist(summary.winner) : null,
    spearman: summary?.spearman ?? null,
    spearmanTest: summary?.spearmanTest ?? null,
    inheritance: summary?.inheritance ?? null,
    error: record.error,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    finishedAt: record.finishedAt,
    eventId,
  };
}
