/**
 * The controller's knobs and their defaults. Literature values for reference: Zoph & Le
 * 2017 used a 2×35 LSTM, Adam lr 6e-4, an EMA baseline and cubed rewards; ENAS a 1×64–100
 * LSTM, lr 3.5e-4, tanh constant 2.5, temperature 5, entropy weight 1e-4, baseline decay
 * 0.99, and 10–20 architectures per update. Those searches ran for tens of thousands of
 * architectures; the defaults here were tuned for searches of a few hundred on
 * NAS-Bench-201 (bench/search/tune.ts on seeds disjoint from the benchmark's; the log is
 * in bench/search/tuning-log.ts): that needs a ~30× larger step size, batches of 5, a
 * faster baseline, and — because rewards are normalised to unit scale — an entropy weight
 * of 0.1 rather than ENAS's 1e-4, which keeps the policy exploring without slowing it.
 * What made the controller lead rather than tie, counted as the service counts
 * (evaluations, repeats answered free): the elite term over the 5 best architectures,
 * redrawing repeats (10 extra draws), and temperature 2 instead of 5 so the policy can
 * commit within ~100 evaluations; the redraws keep that from ending the search early.
 */
import { resolveParams, type ResolvedParams } from '../hyperparameters.js';

export const REINFORCE_HYPERPARAMETERS = {
  hiddenSize: { kind: 'integer', default: 32, min: 1, max: 1024, description: 'LSTM units per layer (also the embedding size).' },
  layers: { kind: 'integer', default: 1, min: 1, max: 4, description: 'Stacked LSTM layers.' },
  learningRate: { kind: 'number', default: 0.02, min: 0, exclusiveMin: true, max: 10, description: 'Adam step size.' },
  batchSize: { kind: 'integer', default: 5, min: 1, max: 10_000, description: 'Observed architectures aggregated per policy update.' },
  entropyWeight: { kind: 'number', default: 0.1, min: 0, max: 100, description: 'β of the entropy bonus −β·H.' },
  baselineDecay: { kind: 'number', default: 0.9, min: 0, max: 0.9999, description: 'γ of the EMA baseline b ← γ·b + (1 − γ)·R.' },
  tanhConstant: { kind: 'number', default: 2.5, min: 0, exclusiveMin: true, max: 100, nullable: true, description: 'c in logits = c·tanh(raw/T); null for raw/T.' },
  temperature: { kind: 'number', default: 2, min: 0, exclusiveMin: true, max: 1000, description: 'T in logits = c·tanh(raw/T).' },
  gradientClipNorm: { kind: 'number', default: 5, min: 0, exclusiveMin: true, max: 1e6, nullable: true, description: 'Global gradient-norm bound; null for none.' },
  rewardTransform: { kind: 'enum', default: 'identity', values: ['identity', 'cube'], description: 'Applied to every reward before the baseline.' },
  rewardNormalization: {
    kind: 'enum',
    default: 'running',
    values: ['none', 'running'],
    description: "'running' divides advantages by a running standard deviation, so the learning rate does not depend on the reward's scale.",
  },
  initRange: { kind: 'number', default: 0.1, min: 0, max: 10, description: 'Initial weights are uniform in ±initRange.' },
  eliteSize: {
    kind: 'integer',
    default: 5,
    min: 0,
    max: 10_000,
    description: 'Best distinct architectures kept; every update also raises their log-probability (priority-queue training, Abolafia et al. 2018). 0 turns it off.',
  },
  eliteWeight: { kind: 'number', default: 1, min: 0, max: 100, description: 'λ of the elite term λ·mean(−log π(elite)) in the loss.' },
  resampleRepeats: {
    kind: 'integer',
    default: 10,
    min: 0,
    max: 1000,
    description: 'Extra draws per proposal while the drawn architecture was already observed or is in flight (a repeat teaches nothing). 0 proposes every draw.',
  },
} as const;

export type ReinforceHyperparameters = ResolvedParams<typeof REINFORCE_HYPERPARAMETERS>;

export function resolveReinforceHyperparameters(input: unknown): ReinforceHyperparameters {
  return resolveParams(REINFORCE_HYPERPARAMETERS, input);
}
