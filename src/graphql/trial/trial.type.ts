import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
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
  @Field(() => String, { nullable: true }) workerId!: string | null;
  @Field(() => Int) attempt!: number;
  @Field(() => Date, { nullable: true }) leaseExpiresAt!: Date | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the strategy consumed the reward.' }) observedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}
