import { Field, Float, ID, InputType, ObjectType } from 'type-graphql';
import { Constraints, EvaluatorConfig } from '../experiment/experiment.type.js';

@InputType({ description: 'Which experiments a claim may draw from; absent fields do not narrow it.' })
export class ClaimFilterInput {
  @Field(() => [ID], { nullable: true }) experimentIds?: string[] | null;
  @Field(() => [String], { nullable: true }) projects?: string[] | null;
  @Field(() => [ID], { nullable: true, description: 'Experiments this worker cannot serve (it lacks their dataset).' }) exceptExperimentIds?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only experiments with one of these evaluators: the ones this worker can run.' }) evaluatorTypes?: string[] | null;
}

@InputType({ description: 'What trained a trial, as the worker reports it.' })
export class TrialRuntimeInput {
  @Field({ description: 'webgpu, tensorflow-gpu, tensorflow, wasm or cpu.' }) backend!: string;
  @Field(() => String, { nullable: true }) adapter?: string | null;
}

@ObjectType({ description: 'What evaluating a trial takes besides its architecture: a worker builds the same evaluation the service would.' })
export class TrialEvaluation {
  @Field(() => EvaluatorConfig) evaluator!: EvaluatorConfig;
  @Field(() => Constraints, { description: "The experiment's limits, folded into the evaluator's constraints." }) constraints!: Constraints;
  @Field(() => Float, { description: "The trial's seed (52-bit integer): initialisation, dropout and shuffling." }) seed!: number;
  @Field(() => Float, { description: "The experiment's data seed: one split for all its trials." }) dataSeed!: number;
}
