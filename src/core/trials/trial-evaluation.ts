import type { FinalTraining } from '../../evaluation/evaluator.js';
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
  /** A finalist's retraining (stage FINAL); absent for a search trial. */
  readonly final?: FinalTraining;
}

export function trialEvaluation(experiment: ExperimentRecord, trial: Pick<TrialRecord, 'sequence' | 'final'>): TrialEvaluation {
  const seeds = experimentSeeds(experiment.seed);
  const common = { evaluator: experiment.evaluator, constraints: experiment.constraints, dataSeed: seeds.data };
  if (trial.final === null) return { ...common, seed: seeds.trial(trial.sequence) };
  const { seed, budget, keepModel, inheritFromSeed } = trial.final;
  return { ...common, seed, final: { budget, keepModel, ...(inheritFromSeed === null ? {} : { inheritFromSeed }) } };
}
