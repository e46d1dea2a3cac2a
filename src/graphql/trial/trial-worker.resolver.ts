import { Arg, Ctx, Field, Float, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import type { Services } from '../../core/services.js';
import type { TrialMetricRecord, TrialRecord } from '../../core/storage/records.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { Needs } from '../auth/permission.js';
import { InvalidInputError } from '../../core/errors.js';
import { claimantOf, reporterOf, scopeOf, type GraphQLContext } from '../common/context.js';
import { JSONScalar } from '../common/scalars.js';
import { ClaimFilterInput, TrialRuntimeInput } from '../worker/claim.type.js';
import { Trial, TrialMetric } from './trial.type.js';

@ObjectType()
export class TrialMetricReport {
  @Field(() => TrialMetric) metric!: TrialMetricRecord;
  @Field(() => Trial, { description: 'The trial after the report; PRUNED when early stopping stopped it.' }) trial!: TrialRecord;
  @Field({ description: 'True when the worker should stop evaluating (pruned or cancelled).' }) shouldStop!: boolean;
}

/**
 * Ask/tell for workers that evaluate on their own compute (MLOps platforms): claim a
 * trial under a lease, heartbeat, report learning-curve points, complete or fail it.
 * The loop is shown in examples/external-worker.ts. A worker is identified by its API key
 * (a trial claimed with one key is refused, LEASE_LOST, to every other); `workerId` names
 * the worker process beside that, and is the identity itself only under open access.
 */
@Resolver()
export class TrialWorkerResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => Trial, {
    nullable: true,
    description:
      "The oldest PENDING trial, now RUNNING under your lease, of the RUNNING experiment `experimentId`, or (without it) of the first-started RUNNING experiment that `from` admits; only experiments whose evaluator's placement is workers or any (or external) hand trials out. Null when none is available. Ask for `evaluation` to evaluate it as the service would.",
  })
  @Needs(Permission.WORK)
  claimTrial(
    @Arg('experimentId', () => ID, { nullable: true }) experimentId: string | null,
    @Arg('from', () => ClaimFilterInput, { nullable: true, description: 'Without experimentId: which experiments to draw from (default: all in your scope).' }) from: ClaimFilterInput | null,
    @Arg('workerId') workerId: string,
    @Arg('leaseSeconds', () => Int, { defaultValue: 60 }) leaseSeconds: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrialRecord | null> {
    // Absent arguments arrive undefined, explicit nulls null: both mean "not given".
    if (experimentId != null && from != null) throw InvalidInputError.field('from', 'give experimentId or from, not both');
    const claimant = claimantOf(ctx, workerId);
    return experimentId != null ? this.services.trials.claims.claim(experimentId, claimant, leaseSeconds, scopeOf(ctx)) : this.services.trials.claims.claimAny(from ?? {}, claimant, leaseSeconds, scopeOf(ctx));
  }

  @Mutation(() => Trial, { description: 'Renews the lease; the answer shows whether the trial is still RUNNING.' })
  @Needs(Permission.WORK)
  heartbeatTrial(
    @Arg('id', () => ID) id: string,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
    @Arg('leaseSeconds', () => Int, { nullable: true }) leaseSeconds: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrialRecord> {
    return this.services.trials.heartbeat(id, leaseSeconds, reporterOf(ctx, workerId));
  }

  @Mutation(() => TrialMetricReport)
  @Needs(Permission.WORK)
  async reportTrialMetric(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('step', () => Int) step: number,
    @Arg('name') name: string,
    @Arg('value', () => Float) value: number,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrialMetricReport> {
    const report = await this.services.trials.reportMetric(trialId, step, name, value, reporterOf(ctx, workerId));
    return { ...report, shouldStop: report.trial.status !== TrialStatus.RUNNING };
  }

  @Mutation(() => Trial, {
    description:
      'RUNNING → SUCCEEDED with final metrics: `reward` (or the objective metric), optionally `params`, `flops`, `latencyMs`. Repeating it with the same idempotencyKey returns the same result; LEASE_LOST when the lease is gone.',
  })
  @Needs(Permission.WORK)
  completeTrial(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('metrics', () => JSONScalar) metrics: unknown,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
    @Arg('runtime', () => TrialRuntimeInput, { nullable: true, description: 'What trained it: recorded as the trial\'s runtime.' }) runtime: TrialRuntimeInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrialRecord> {
    const trained = runtime == null ? null : { backend: runtime.backend, adapter: runtime.adapter ?? null };
    return this.services.trials.completeFromWorker(trialId, metrics, trained, { ...reporterOf(ctx, workerId), idempotencyKey });
  }

  @Mutation(() => Trial, { description: 'RUNNING → PENDING when retryable and attempts remain, else FAILED.' })
  @Needs(Permission.WORK)
  failTrial(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('error') error: string,
    @Arg('retryable', { defaultValue: false }) retryable: boolean,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrialRecord> {
    return this.services.trials.fail(trialId, error, retryable, reporterOf(ctx, workerId));
  }
}
