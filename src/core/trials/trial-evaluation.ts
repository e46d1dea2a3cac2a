import { experimentSeeds } from '../../random/index.js';
import type { Constraints, EvaluatorSpec, ExperimentRecord, TrialRecord } from '../storage/records.js';

/**
 * What evaluating a trial takes beyond its architecture, wherever it is evaluated: the
 * experiment's evaluator with its options, the experiment's limits (folded into the
 * evaluator's constraints), the trial's seed and the experiment's data seed. The
 * in-process dispatcher and a remote worker build the same evaluation from it, so a
 * trial's result does not depend on where it ran.
 */
export interface TrialEvaluation {
  readonly evaluator: EvaluatorSpec;
  readonly constraints: Constraints;
  /** The trial's seed (src/random/seeds.ts): initialisation, dropout and shuffling. */
  readonly seed: number;
  /** The experiment's data seed: the same split for all its trials. */
  readonly dataSeed: number;
}

export function trialEvaluation(experiment: ExperimentRecord, trial: Pick<TrialRecord, 'sequence'>): TrialEvaluation {
  const seeds = experimentSeeds(experiment.seed);
  return { evaluator: experiment.evaluator, constraints: experiment.constraints, seed: seeds.trial(trial.sequence), dataSeed: seeds.data };
}
