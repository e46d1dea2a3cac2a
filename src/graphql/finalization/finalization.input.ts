import { Field, InputType, Int } from 'type-graphql';
import { JSONScalar } from '../common/scalars.js';

@InputType()
export class FinalizeExperimentInput {
  @Field(() => Int, { nullable: true, description: 'Distinct architectures to retrain, best proxy reward first (default 5, at most 50).' })
  topK?: number | null;

  @Field(() => Int, { nullable: true, description: 'Seeds per finalist (default 3; 1 for a table, which has one value per architecture).' })
  seeds?: number | null;

  @Field(() => JSONScalar, {
    nullable: true,
    description:
      'Evaluator options for the final budget over the dataset’s defaults (tfjs-trainer: epochs, trainSubset, valSubset, resolution, batchSize, optimizer, learningRate, schedule; null switches an optional one off).',
  })
  budget?: Record<string, unknown> | null;

  @Field(() => Boolean, { nullable: true, description: 'Also start each seed from the proxy trial’s weights where shapes match, and report what it changed (doubles the trainings).' })
  inheritWeights?: boolean | null;
}
