import { Arg, Field, Float, ID, Int, Mutation, ObjectType, Resolver } from 'type-graphql';
import { BadInputError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import type { TrialMetricRecord, TrialRecord } from '../../core/storage/records.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { JSONScalar } from '../common/scalars.js';
import { Trial, TrialMetric } from './trial.type.js';

@ObjectType()
export class TrialMetricReport {
  @Field(() => TrialMetric) metric!: TrialMetricRecord;
  @Field(() => Trial, { description: 'The trial after the report; PRUNED when early stopping stopped it.' }) trial!: TrialRecord;
  @Field({ description: 'True when the worker should stop evaluating (pruned or cancelled).' }) shouldStop!: boolean;
}

/** The numbers a completion carries; `reward` or the objective's metric becomes the reward. */
function parseMetrics(metrics: unknown): Record<string, number> {
  if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics)) throw BadInputError.field('metrics', 'must be an object of numbers');
  const entries = Object.entries(metrics as Record<string, unknown>);
  if (entries.length > 200) throw BadInputError.field('metrics', 'at most 200 metrics');
  for (const [name, value] of entries) {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw BadInputError.field(`metrics.${name}`, 'must be a finite number');
  }
  return Object.fromEntries(entries) as Record<string, number>;
}

/**
 * Ask/tell for workers that evaluate on their own compute (MLOps platforms): claim a
 * trial under a lease, heartbeat, report learning-curve points, complete or fail it.
 * The loop is shown in examples/external-worker.ts. Pass `workerId` on every call: it is
 * what lets the server refuse a worker whose lease went to another (LEASE_LOST).
 */
@Resolver()
export class TrialWorkerResolver {
  constructor(private readonly services: Services) {}

  @Mutation(() => Trial, { nullable: true, description: 'The oldest PENDING trial of a RUNNING external experiment, now RUNNING under your lease; null when none is available.' })
  claimTrial(
    @Arg('experimentId', () => ID) experimentId: string,
    @Arg('workerId') workerId: string,
    @Arg('leaseSeconds', () => Int, { defaultValue: 60 }) leaseSeconds: number,
  ): Promise<TrialRecord | null> {
    return this.services.trials.claim(experimentId, workerId, leaseSeconds);
  }

  @Mutation(() => Trial, { description: 'Renews the lease; the answer shows whether the trial is still RUNNING.' })
  heartbeatTrial(
    @Arg('id', () => ID) id: string,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
    @Arg('leaseSeconds', () => Int, { nullable: true }) leaseSeconds: number | null,
  ): Promise<TrialRecord> {
    return this.services.trials.heartbeat(id, workerId, leaseSeconds);
  }

  @Mutation(() => TrialMetricReport)
  async reportTrialMetric(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('step', () => Int) step: number,
    @Arg('name') name: string,
    @Arg('value', () => Float) value: number,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
  ): Promise<TrialMetricReport> {
    const report = await this.services.trials.reportMetric(trialId, step, name, value, workerId);
    return { ...report, shouldStop: report.trial.status !== TrialStatus.RUNNING };
  }

  @Mutation(() => Trial, {
    description:
      'RUNNING → SUCCEEDED with final metrics: `reward` (or the objective metric), optionally `params`, `flops`, `latencyMs`. Repeating it with the same idempotencyKey returns the same result; LEASE_LOST when the lease is gone.',
  })
  async completeTrial(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('metrics', () => JSONScalar) metrics: unknown,
    @Arg('idempotencyKey', () => String, { nullable: true }) idempotencyKey: string | null,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
  ): Promise<TrialRecord> {
    const values = parseMetrics(metrics);
    const trial = await this.services.trials.get(trialId);
    const experiment = await this.services.experiments.get(trial.experimentId);
    const reward = values[experiment.objective.metric] ?? values.reward;
    if (reward === undefined) throw BadInputError.field('metrics', `must contain "${experiment.objective.metric}" (the objective) or "reward"`);
    return this.services.trials.complete(
      trialId,
      { reward, metrics: values, params: values.params ?? null, flops: values.flops ?? null, latencyMs: values.latencyMs ?? null },
      { workerId, idempotencyKey },
    );
  }

  @Mutation(() => Trial, { description: 'RUNNING → PENDING when retryable and attempts remain, else FAILED.' })
  async failTrial(
    @Arg('trialId', () => ID) trialId: string,
    @Arg('error') error: string,
    @Arg('retryable', { defaultValue: false }) retryable: boolean,
    @Arg('workerId', () => String, { nullable: true }) workerId: string | null,
  ): Promise<TrialRecord> {
    const trial = await this.services.trials.get(trialId);
    const experiment = await this.services.experiments.get(trial.experimentId);
    return this.services.trials.fail(trialId, error, retryable, experiment.budget.maxRetries, workerId);
  }
}
