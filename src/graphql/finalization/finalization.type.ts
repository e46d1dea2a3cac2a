import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { FinalizationStatus } from '../../core/finalization/finalization-status.js';
import { JSONScalar } from '../common/scalars.js';
import { listCost } from '../limits/index.js';
import { Trial } from '../trial/trial.type.js';

@ObjectType({ description: 'Mean and sample standard deviation over the replicates that finished.' })
export class Stat {
  @Field(() => Float) mean!: number;
  @Field(() => Float, { nullable: true, description: 'Null under two values.' }) std!: number | null;
  @Field(() => Int) n!: number;
}

@ObjectType({ description: 'A finalist: one of the best distinct architectures of the search, retrained with several seeds.' })
export class Finalist {
  @Field(() => Trial, { description: 'The search trial it was chosen by.' }) proxyTrial!: unknown;
  @Field(() => Int, { description: '1 for the best proxy reward among the finalists.' }) proxyRank!: number;
  @Field(() => Float) proxyReward!: number;
  @Field(() => Stat, { nullable: true, description: 'The objective at the final budget (validation), over the finished replicates.' }) validation!: Stat | null;
  @Field(() => Stat, { nullable: true, description: 'Accuracy on the held-out test split, which no search trial saw. Reported, never selected on.' }) test!: Stat | null;
  @Field(() => Int, { description: 'Replicates still PENDING or RUNNING.' }) unfinished!: number;
  @Field(() => Int) failed!: number;
  // Seeds × (1, or 2 with inheritance): weighed as the default 3 seeds.
  @Field(() => [Trial], { description: 'Its FINAL trials of the current round, by sequence.', complexity: listCost({ fallback: 3 }) }) replicates!: unknown[];
  @Field(() => Trial, { nullable: true, description: 'The replicate with the best validation: the one whose model stands for the finalist.' }) bestReplicate!: unknown;
}

@ObjectType({ description: 'What starting from the proxy trial’s weights changed: inherited minus cold start, paired by seed.' })
export class InheritanceEffect {
  @Field(() => Stat, { nullable: true }) validationGain!: Stat | null;
  @Field(() => Stat, { nullable: true }) testGain!: Stat | null;
}

@ObjectType({
  description:
    'The second stage of the search: its best distinct architectures retrained at a final budget with several seeds, tested once on the held-out split; the winner is chosen by validation.',
})
export class Finalization {
  @Field(() => ID) experimentId!: string;
  @Field(() => Int, { description: 'Starts at 1; a FAILED or CANCELLED finalization can be run again as the next round.' }) round!: number;
  @Field(() => FinalizationStatus) status!: FinalizationStatus;
  @Field(() => Int) topK!: number;
  @Field(() => Int) seeds!: number;
  @Field(() => JSONScalar, { description: 'The evaluator options every finalist trains with on top of the search’s: the dataset’s final defaults and the overrides.' })
  budget!: unknown;
  @Field(() => JSONScalar, { description: 'The budget options as given.' }) overrides!: unknown;
  @Field() inheritWeights!: boolean;
  // topK: weighed as the default 5.
  @Field(() => [Finalist], { description: 'Best proxy reward first.', complexity: listCost({ fallback: 5 }) }) finalists!: Finalist[];
  @Field(() => Finalist, { nullable: true, description: 'The finalist with the best mean validation so far.' }) winner!: Finalist | null;
  @Field(() => Float, {
    nullable: true,
    description: 'Spearman’s rho of the proxy reward against the final validation over the finalists: near 1, the proxy ranked them as full training did; trust it next time.',
  })
  spearman!: number | null;
  @Field(() => Float, { nullable: true, description: 'The same against the final test accuracy.' }) spearmanTest!: number | null;
  @Field(() => InheritanceEffect, { nullable: true, description: 'With inheritWeights only.' }) inheritance!: InheritanceEffect | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { nullable: true, description: 'The id of the event that delivered it (subscriptions only).' }) eventId!: number | null;
}

@ObjectType({ description: 'One file of an exported model; `url` is relative to the server and answers GET with the caller’s key.' })
export class ModelFile {
  @Field() name!: string;
  @Field(() => Int) bytes!: number;
  @Field() url!: string;
}

@ObjectType({ description: 'A finalist’s trained network: a TensorFlow.js LayersModel (tf.loadLayersModel(modelUrl)), its architecture, preprocessing and model card.' })
export class TrialModel {
  @Field({ description: 'model.json: what tf.loadLayersModel reads (weights resolve beside it).' }) modelUrl!: string;
  @Field({ description: 'MODEL_CARD.md, written on request from the finalization’s results.' }) cardUrl!: string;
  @Field(() => [ModelFile], { complexity: listCost({ fallback: 4 }) }) files!: ModelFile[];
  @Field(() => [Int], { description: '[height, width, channels] of a raw input (0–255 for image bytes).' }) inputShape!: number[];
  @Field(() => Int) numClasses!: number;
  @Field(() => [String], { nullable: true }) classNames!: string[] | null;
  @Field() dataset!: string;
  @Field() preprocessing!: string;
  @Field(() => Float) params!: number;
  @Field(() => Float) flops!: number;
  @Field(() => Float, { nullable: true }) latencyBatch1Ms!: number | null;
  @Field(() => Float, { nullable: true }) latencyBatch64MsPerSample!: number | null;
}
