import { FieldResolver, Resolver, Root } from 'type-graphql';
import type { Services } from '../../core/services.js';
import type { TrialRecord } from '../../core/storage/records.js';
import type { TrialEvaluation as TrialEvaluationRecord } from '../../core/trials/trial-evaluation.js';
import { Trial } from '../trial/trial.type.js';
import { TrialEvaluation } from './claim.type.js';

/** `Trial.evaluation`: what a worker that claimed the trial needs to evaluate it as the service would. */
@Resolver(() => Trial)
export class TrialEvaluationResolver {
  constructor(private readonly services: Services) {}

  @FieldResolver(() => TrialEvaluation, { description: "The evaluator, limits and seeds to evaluate it with (a worker's claim asks for it)." })
  evaluation(@Root() trial: TrialRecord): Promise<TrialEvaluationRecord> {
    return this.services.trials.claims.evaluationOf(trial);
  }
}
