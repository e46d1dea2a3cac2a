import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { EndReason, ExperimentStatus } from '../../core/experiments/experiment-status.js';
import type { ObjectiveDirection as Direction } from '../../core/storage/records.js';
import { ObjectiveDirection } from '../common/enums.js';
import { JSONScalar } from '../common/scalars.js';

@ObjectType()
export class StrategyConfig {
  @Field({ description: 'reinforce | random | evolution' }) type!: string;
  @Field(() => JSONScalar) hyperparameters!: unknown;
}

@ObjectType()
export class EvaluatorConfig {
  @Field({ description: 'tabular | tfjs-trainer | external' }) type!: string;
  @Field(() => JSONScalar) options!: unknown;
}

@ObjectType()
export class Objective {
  @Field() metric!: string;
  @Field(() => ObjectiveDirection) direction!: Direction;
  @Field(() => Float, { nullable: true, description: 'The experiment ends when a trial reaches it.' }) goal!: number | null;
}

@ObjectType()
export class Constraints {
  @Field(() => Float, { nullable: true }) maxParams!: number | null;
  @Field(() => Float, { nullable: true }) maxFlops!: number | null;
  @Field(() => Float, { nullable: true }) maxLatencyMs!: number | null;
}

@ObjectType()
export class Budget {
  @Field(() => Int, { description: 'Evaluations; duplicates answered from an earlier trial do not count.' }) maxTrials!: number;
  @Field(() => Int) parallelTrials!: number;
  @Field(() => Int) maxFailedTrials!: number;
  @Field(() => Int, { nullable: true }) maxDurationSeconds!: number | null;
  @Field(() => Int, { description: 'Retries of one trial after a failure or a lost lease.' }) maxRetries!: number;
  @Field(() => Int, { description: 'Proposals in a row answered from earlier trials before the search ends as converged.' })
  maxConsecutiveDuplicates!: number;
}

@ObjectType({
  description:
    'median: stop a trial whose best value by a step is worse than the median of completed trials at that step. asha: asynchronous successive halving; at rung k (step minResource·η^(minEarlyStoppingRate+k)) a trial goes on only in the top 1/η of the trials that reached the rung.',
})
export class EarlyStopping {
  @Field() type!: string;
  @Field() metric!: string;
  @Field(() => Int) minTrials!: number;
  @Field(() => Int, { nullable: true, description: 'median only.' }) startStep!: number | null;
  @Field(() => Int, { nullable: true, description: 'asha only.' }) minResource!: number | null;
  @Field(() => Int, { nullable: true, description: 'asha only.' }) reductionFactor!: number | null;
  @Field(() => Int, { nullable: true, description: 'asha only.' }) minEarlyStoppingRate!: number | null;
}

@ObjectType()
export class ExperimentProgress {
  @Field(() => Int, { description: 'Trials that used budget so far (started or finished).' }) evaluations!: number;
  @Field(() => Int, { description: 'Evaluations with a final outcome (succeeded, failed or pruned); answered duplicates are not evaluations.' })
  finishedEvaluations!: number;
  @Field(() => Int) maxTrials!: number;
  @Field(() => Float, { description: 'finishedEvaluations / maxTrials' }) fraction!: number;
  @Field(() => Float) elapsedSeconds!: number;
  @Field(() => Float, { nullable: true, description: 'Linear estimate; null before the first trial finishes.' }) etaSeconds!: number | null;
}

@ObjectType({ description: 'The best reward found up to a trial.' })
export class BestSoFarPoint {
  @Field(() => Int) sequence!: number;
  @Field(() => Float) reward!: number;
  @Field(() => ID) trialId!: string;
}

@ObjectType({ description: 'One update of the strategy, for charts.' })
export class PolicyUpdate {
  @Field(() => Int) step!: number;
  @Field(() => Float, { nullable: true }) baseline!: number | null;
  @Field(() => Float, { nullable: true }) meanReward!: number | null;
  @Field(() => Float, { nullable: true }) entropy!: number | null;
  @Field(() => Int, { description: 'Trials whose rewards this step consumed.' }) observedTrials!: number;
  @Field() createdAt!: Date;
  @Field(() => Int, { nullable: true, description: 'The id of the event that delivered it (subscriptions only).' }) eventId!: number | null;
}

@ObjectType({ description: 'Trials per status, answered duplicates included (`duplicates` says how many there are).' })
export class TrialCounts {
  @Field(() => Int) pending!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) pruned!: number;
  @Field(() => Int) cancelled!: number;
  @Field(() => Int) total!: number;
  @Field(() => Int, { description: 'Trials answered from an earlier trial with the same architecture: no evaluation, no budget.' }) duplicates!: number;
}

@ObjectType()
export class Experiment {
  @Field(() => ID) id!: string;
  @Field({ description: "Its search space's project." }) project!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => ID) searchSpaceId!: string;
  @Field(() => StrategyConfig) strategy!: StrategyConfig;
  @Field(() => EvaluatorConfig) evaluator!: EvaluatorConfig;
  @Field(() => Objective) objective!: Objective;
  @Field(() => Constraints) constraints!: Constraints;
  @Field(() => Budget) budget!: Budget;
  @Field(() => Int) seed!: number;
  @Field(() => EarlyStopping, { nullable: true }) earlyStopping!: EarlyStopping | null;
  @Field(() => ExperimentStatus) status!: ExperimentStatus;
  @Field(() => EndReason, { nullable: true }) endReason!: EndReason | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}
