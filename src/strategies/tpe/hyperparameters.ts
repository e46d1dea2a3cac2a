/**
 * TPE's knobs. The defaults are Optuna's (`TPESampler`): 10 random startup trials, 24
 * candidates per proposal, the good set ⌈0.1·n⌉ capped at 25 trials, prior weight 1.
 */
import { resolveParams, type ResolvedParams } from '../hyperparameters.js';

export const TPE_HYPERPARAMETERS = {
  startupTrials: {
    kind: 'integer',
    default: 10,
    min: 0,
    max: 100_000,
    description: 'Observations before the model is used; until then proposals are uniform (Optuna: n_startup_trials).',
  },
  candidates: {
    kind: 'integer',
    default: 24,
    min: 1,
    max: 10_000,
    description: 'Architectures drawn from the good density l(x) per proposal; the one with the highest l(x)/g(x) is proposed (Optuna: n_ei_candidates).',
  },
  gamma: {
    kind: 'number',
    default: 0.1,
    min: 0,
    exclusiveMin: true,
    max: 1,
    description: 'Fraction of the observed trials that form l(x), the best ⌈gamma·n⌉ (at most maxGood); the rest and the trials in flight form g(x).',
  },
  maxGood: { kind: 'integer', default: 25, min: 1, max: 100_000, description: 'Cap on the number of trials in l(x) (Optuna: 25).' },
  priorWeight: {
    kind: 'number',
    default: 1,
    min: 0,
    exclusiveMin: true,
    max: 1e6,
    description: 'Weight of the uniform prior kernel in both densities, also spread over the choices of every trial’s own kernel.',
  },
} as const;

export type TpeHyperparameters = ResolvedParams<typeof TPE_HYPERPARAMETERS>;

export function resolveTpeHyperparameters(input: unknown): TpeHyperparameters {
  return resolveParams(TPE_HYPERPARAMETERS, input);
}
