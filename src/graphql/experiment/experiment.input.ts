import { ArgsType, Field, Float, ID, InputType, Int } from 'type-graphql';
import { ExperimentStatus } from '../../core/experiments/experiment-status.js';
import type { ObjectiveDirection as Direction } from '../../core/storage/records.js';
import { ObjectiveDirection } from '../common/enums.js';
import { JSONScalar } from '../common/scalars.js';

@InputType()
export class StrategyInput {
  @Field({ description: 'reinforce | random | evolution' }) type!: string;
  @Field(() => JSONScalar, { nullable: true }) hyperparameters?: Record<string, unknown> | null;
}

@InputType()
export class EvaluatorInput {
  @Field({ description: 'tabular | tfjs-trainer | external' }) type!: string;
  @Field(() => JSONScalar, { nullable: true }) options?: Record<string, unknown> | null;
}

@InputType()
export class ObjectiveInput {
  @Field(() => String, { nullable: true, description: 'Default `reward`.' }) metric?: string | null;
  @Field(() => ObjectiveDirection, { nullable: true, description: 'Default MAXIMIZE.' }) direction?: Direction | null;
  @Field(() => Float, { nullable: true }) goal?: number | null;
}

@InputType()
export class ConstraintsInput {
  @Field(() => Float, { nullable: true }) maxParams?: number | null;
  @Field(() => Float, { nullable: true }) maxFlops?: number | null;
  @Field(() => Float, { nullable: true }) maxLatencyMs?: number | null;
}

@InputType()
export class BudgetInput {
  @Field(() => Int, { nullable: true, description: 'Default 100, at most 100000.' }) maxTrials?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default min(4, maxTrials), at most 256 and maxTrials.' }) parallelTrials?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default maxTrials.' }) maxFailedTrials?: number | null;
  @Field(() => Int, { nullable: true }) maxDurationSeconds?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default 2, at most 10.' }) maxRetries?: number | null;
  @Field(() => Int, { nullable: true, description: 'Default 100.' }) maxConsecutiveDuplicates?: number | null;
}

@InputType()
export class EarlyStoppingInput {
  @Field(() => String, { nullable: true, description: 'median (default) or asha.' }) type?: string | null;
  @Field({ description: 'The intermediate metric to compare, e.g. val_accuracy.' }) metric!: string;
  @Field(() => Int, { nullable: true, description: 'median: completed trials needed before stopping any (default 5); asha: other trials that must have reached a rung (default 0).' })
  minTrials?: number | null;
  @Field(() => Int, { nullable: true, description: 'median: no trial is stopped before this step (default 1).' }) startStep?: number | null;
  @Field(() => Int, { nullable: true, description: 'asha: the steps (epochs) of the first rung (default 1).' }) minResource?: number | null;
  @Field(() => Int, { nullable: true, description: 'asha: η, a trial goes on past a rung only in the top 1/η there (default 3).' }) reductionFactor?: number | null;
  @Field(() => Int, { nullable: true, description: 'asha: the first rungs skipped (default 0).' }) minEarlyStoppingRate?: number | null;
}

@InputType()
export class CreateExperimentInput {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ID) searchSpaceId!: string;
  @Field(() => StrategyInput, { nullable: true, description: 'Default reinforce with its default hyperparameters.' })
  strategy?: StrategyInput | null;
  @Field(() => EvaluatorInput) evaluator!: EvaluatorInput;
  @Field(() => ObjectiveInput, { nullable: true }) objective?: ObjectiveInput | null;
  @Field(() => ConstraintsInput, { nullable: true }) constraints?: ConstraintsInput | null;
  @Field(() => BudgetInput, { nullable: true }) budget?: BudgetInput | null;
  @Field(() => EarlyStoppingInput, { nullable: true }) earlyStopping?: EarlyStoppingInput | null;
  @Field(() => Int, { nullable: true, description: 'All randomness flows from it; random when absent (and then recorded).' })
  seed?: number | null;
}

@InputType({ description: 'Name and description change any time; the rest only while the experiment is CREATED.' })
export class UpdateExperimentInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => StrategyInput, { nullable: true }) strategy?: StrategyInput | null;
  @Field(() => EvaluatorInput, { nullable: true }) evaluator?: EvaluatorInput | null;
  @Field(() => ObjectiveInput, { nullable: true }) objective?: ObjectiveInput | null;
  @Field(() => ConstraintsInput, { nullable: true }) constraints?: ConstraintsInput | null;
  @Field(() => BudgetInput, { nullable: true }) budget?: BudgetInput | null;
  @Field(() => EarlyStoppingInput, { nullable: true }) earlyStopping?: EarlyStoppingInput | null;
  @Field(() => Int, { nullable: true }) seed?: number | null;
}

@ArgsType()
export class ExperimentsArgs {
  @Field(() => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => [ExperimentStatus], { nullable: true }) status?: ExperimentStatus[];
  @Field(() => ID, { nullable: true }) searchSpaceId?: string;
  @Field(() => String, { nullable: true }) nameContains?: string;
  @Field(() => String, { nullable: true, description: 'Only this project (a scoped key sees its own project only anyway).' }) project?: string;
}
