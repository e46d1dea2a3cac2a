import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { TrialStage } from '../../core/trials/trial-stage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import { JSONScalar } from '../common/scalars.js';

@ObjectType({ description: 'One point of a learning curve.' })
export class TrialMetric {
  @Field(() => ID) id!: string;
  @Field(() => ID) trialId!: string;
  @Field(() => ID) experimentId!: string;
  @Field(() => Int) step!: number;
  @Field() name!: string;
  @Field(() => Float) value!: number;
  @Field() createdAt!: Date;
  @Field(() => Int, { nullable: true, description: 'The id of the event that delivered it (subscriptions only).' }) eventId!: number | null;
  @Field(() => TrialStage, { nullable: true, description: 'The stage of its trial; null on points stored before stages existed.' }) stage!: TrialStage | null;
}

@ObjectType({ description: 'How a FINAL trial retrains its finalist.' })
export class TrialFinal {
  @Field(() => Int) round!: number;
  @Field(() => Int, { description: 'Which seed of the finalist; the same index is the same seed for every finalist.' }) replicate!: number;
  @Field(() => Float) seed!: number;
  @Field(() => JSONScalar, { description: 'The evaluator options over the search’s.' }) budget!: unknown;
  @Field({ description: 'Started from the proxy trial’s weights where shapes match.' }) inheritsWeights!: boolean;
}

@ObjectType({ description: 'What computed a trial: the TensorFlow.js backend and, for webgpu, the GPU adapter.' })
export class TrialRuntime {
  @Field({ description: 'webgpu, wasm, tensorflow-gpu, tensorflow or cpu.' }) backend!: string;
  @Field(() => String, { nullable: true, description: 'Device, driver and Dawn backend of a webgpu adapter.' }) adapter!: string | null;
}

@ObjectType()
export class Trial {
  @Field(() => ID) id!: string;
  @Field(() => ID) experimentId!: string;
  @Field(() => Int, { description: 'Gap-free, from 1, in order of proposal.' }) sequence!: number;
  @Field(() => [Int], { description: 'One choice index per decision; -1 where a decision does not apply.' }) actions!: number[];
  @Field(() => JSONScalar) architecture!: unknown;
  @Field({ description: 'Short human-readable form (NAS-Bench-201 cells print in the benchmark form).' }) label!: string;
  @Field({ description: 'Equal fingerprints mean the same architecture.' }) fingerprint!: string;
  @Field(() => Int) policyVersion!: number;
  @Field(() => Float) logProb!: number;
  @Field(() => TrialStatus) status!: TrialStatus;
  @Field(() => Float, { nullable: true }) reward!: number | null;
  @Field(() => JSONScalar) finalMetrics!: unknown;
  @Field(() => Float, { nullable: true }) params!: number | null;
  @Field(() => Float, { nullable: true }) flops!: number | null;
  @Field(() => Float, { nullable: true }) latencyMs!: number | null;
  @Field(() => ID, { nullable: true, description: 'Answered from this earlier trial with the same architecture.' })
  duplicateOfId!: string | null;
  @Field(() => TrialRuntime, { nullable: true, description: 'What trained it; null where nothing ran in the service (a table lookup, an external worker that did not say).' })
  runtime!: TrialRuntime | null;
  @Field(() => String, { nullable: true }) workerId!: string | null;
  @Field(() => Int) attempt!: number;
  @Field(() => Date, { nullable: true }) leaseExpiresAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the strategy consumed the reward.' }) observedAt!: Date | null;
  @Field(() => TrialStage) stage!: TrialStage;
  @Field(() => ID, { name: 'finalistOfId', nullable: true, description: 'A FINAL trial’s proxy trial: the search trial whose architecture it retrains.' })
  finalistOf!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { nullable: true, description: 'The id of the event that delivered it (subscriptions only): resubscribe with `after` it to miss nothing.' })
  eventId!: number | null;
}
