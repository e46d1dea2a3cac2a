/**
 * The record of how the defaults were chosen (bench/search/tune.ts, 40 tuning seeds
 * 1000–1039, wasm backend). Kept as data so the benchmark report can print it next to the
 * results it led to. Values: mean best cifar10-val ± standard error at 100 / 200 / 500.
 *
 * TUNING_LOG is under the benchmark's current protocol (the service's loop, evaluations
 * counted); PER_PROPOSAL_LOG is the earlier record under the old one (sequential, every
 * proposal a trial), where the base reinforce row is the set before entropyWeight 0.1.
 */
export interface TuningRow {
  readonly strategy: 'random' | 'reinforce' | 'evolution' | 'tpe' | 'mcts';
  readonly change: string;
  readonly at100: string;
  readonly at200: string;
  readonly at500: string;
}

export const TUNING_SEEDS = '1000–1039';

export const PER_PROPOSAL_LOG: readonly TuningRow[] = [
  { strategy: 'random', change: '—', at100: '83.674 ± 0.107', at200: '83.993 ± 0.057', at500: '84.269 ± 0.057' },
  { strategy: 'reinforce', change: 'base: lr 0.02, batch 5, γ 0.9, hidden 32×1, c 2.5, T 5, β 1e-4', at100: '84.181 ± 0.082', at200: '84.573 ± 0.059', at500: '84.739 ± 0.041' },
  { strategy: 'reinforce', change: 'learningRate 0.05', at100: '84.046 ± 0.099', at200: '84.338 ± 0.087', at500: '84.529 ± 0.070' },
  { strategy: 'reinforce', change: 'learningRate 0.03', at100: '84.210 ± 0.066', at200: '84.481 ± 0.060', at500: '84.649 ± 0.050' },
  { strategy: 'reinforce', change: 'learningRate 0.015', at100: '83.935 ± 0.091', at200: '84.509 ± 0.049', at500: '84.738 ± 0.033' },
  { strategy: 'reinforce', change: 'learningRate 0.01', at100: '83.765 ± 0.095', at200: '84.469 ± 0.043', at500: '84.799 ± 0.026' },
  { strategy: 'reinforce', change: 'batchSize 1', at100: '83.999 ± 0.122', at200: '84.221 ± 0.115', at500: '84.452 ± 0.077' },
  { strategy: 'reinforce', change: 'batchSize 1, learningRate 0.05', at100: '83.626 ± 0.209', at200: '84.031 ± 0.156', at500: '84.274 ± 0.137' },
  { strategy: 'reinforce', change: 'batchSize 2', at100: '84.237 ± 0.085', at200: '84.545 ± 0.056', at500: '84.653 ± 0.052' },
  { strategy: 'reinforce', change: 'batchSize 3', at100: '84.129 ± 0.089', at200: '84.529 ± 0.056', at500: '84.646 ± 0.057' },
  { strategy: 'reinforce', change: 'batchSize 10, learningRate 0.05', at100: '84.092 ± 0.085', at200: '84.410 ± 0.069', at500: '84.678 ± 0.042' },
  { strategy: 'reinforce', change: 'baselineDecay 0.95', at100: '84.207 ± 0.083', at200: '84.580 ± 0.050', at500: '84.728 ± 0.046' },
  { strategy: 'reinforce', change: 'baselineDecay 0.7', at100: '84.161 ± 0.070', at200: '84.572 ± 0.039', at500: '84.754 ± 0.035' },
  { strategy: 'reinforce', change: 'hiddenSize 64', at100: '84.181 ± 0.103', at200: '84.438 ± 0.088', at500: '84.635 ± 0.079' },
  { strategy: 'reinforce', change: 'hiddenSize 16', at100: '83.750 ± 0.099', at200: '84.371 ± 0.063', at500: '84.722 ± 0.034' },
  { strategy: 'reinforce', change: 'layers 2', at100: '83.879 ± 0.078', at200: '84.431 ± 0.064', at500: '84.707 ± 0.043' },
  { strategy: 'reinforce', change: 'tanhConstant null, temperature 1', at100: '84.126 ± 0.083', at200: '84.251 ± 0.086', at500: '84.255 ± 0.086' },
  { strategy: 'reinforce', change: 'tanhConstant 1.5', at100: '83.938 ± 0.087', at200: '84.471 ± 0.045', at500: '84.770 ± 0.032' },
  { strategy: 'reinforce', change: 'tanhConstant 5', at100: '84.192 ± 0.072', at200: '84.421 ± 0.061', at500: '84.456 ± 0.062' },
  { strategy: 'reinforce', change: 'temperature 2', at100: '84.238 ± 0.082', at200: '84.492 ± 0.059', at500: '84.588 ± 0.050' },
  { strategy: 'reinforce', change: 'rewardNormalization none', at100: '84.220 ± 0.070', at200: '84.531 ± 0.056', at500: '84.708 ± 0.039' },
  { strategy: 'reinforce', change: 'entropyWeight 0.01', at100: '84.181 ± 0.082', at200: '84.561 ± 0.063', at500: '84.713 ± 0.046' },
  { strategy: 'reinforce', change: 'entropyWeight 0.03', at100: '84.166 ± 0.083', at200: '84.565 ± 0.056', at500: '84.742 ± 0.042' },
  { strategy: 'reinforce', change: 'entropyWeight 0.1 (chosen)', at100: '84.132 ± 0.076', at200: '84.632 ± 0.036', at500: '84.818 ± 0.031' },
  { strategy: 'reinforce', change: 'entropyWeight 0.2', at100: '84.109 ± 0.080', at200: '84.574 ± 0.049', at500: '84.809 ± 0.035' },
  { strategy: 'reinforce', change: 'entropyWeight 0.3', at100: '84.077 ± 0.076', at200: '84.526 ± 0.048', at500: '84.837 ± 0.026' },
  { strategy: 'reinforce', change: 'entropyWeight 0.1, learningRate 0.03', at100: '84.188 ± 0.082', at200: '84.540 ± 0.053', at500: '84.752 ± 0.042' },
  { strategy: 'evolution', change: 'populationSize 20, sampleSize 5 (chosen)', at100: '84.451 ± 0.060', at200: '84.742 ± 0.037', at500: '84.817 ± 0.035' },
  { strategy: 'evolution', change: 'populationSize 10, sampleSize 3', at100: '84.196 ± 0.079', at200: '84.550 ± 0.046', at500: '84.788 ± 0.019' },
  { strategy: 'evolution', change: 'populationSize 10, sampleSize 5', at100: '84.456 ± 0.071', at200: '84.679 ± 0.041', at500: '84.850 ± 0.013' },
  { strategy: 'evolution', change: 'populationSize 20, sampleSize 10', at100: '84.426 ± 0.093', at200: '84.642 ± 0.055', at500: '84.687 ± 0.054' },
  { strategy: 'evolution', change: 'populationSize 30, sampleSize 10', at100: '84.271 ± 0.127', at200: '84.653 ± 0.073', at500: '84.773 ± 0.042' },
  { strategy: 'evolution', change: 'populationSize 50, sampleSize 10', at100: '84.301 ± 0.081', at200: '84.716 ± 0.035', at500: '84.840 ± 0.030' },
];

export const TUNING_LOG: readonly TuningRow[] = [
  { strategy: 'random', change: '—', at100: '83.674 ± 0.107', at200: '83.993 ± 0.057', at500: '84.284 ± 0.058' },
  { strategy: 'evolution', change: 'populationSize 20, sampleSize 5 (kept)', at100: '84.404 ± 0.093', at200: '84.677 ± 0.051', at500: '84.842 ± 0.030' },
  { strategy: 'tpe', change: "Optuna's defaults (kept)", at100: '84.601 ± 0.077', at200: '84.811 ± 0.034', at500: '84.892 ± 0.000' },
  { strategy: 'tpe', change: "same, a repeat candidate allowed to win (Optuna's behaviour; not kept)", at100: '84.535 ± 0.087', at200: '84.807 ± 0.038', at500: '84.887 ± 0.005' },
  { strategy: 'mcts', change: 'rollout random, exploration 1 (20 seeds)', at100: '83.837 ± 0.101', at200: '84.067 ± 0.074', at500: '84.311 ± 0.067' },
  { strategy: 'mcts', change: 'rollout random, exploration 0.5', at100: '83.832 ± 0.084', at200: '84.059 ± 0.055', at500: '84.482 ± 0.032' },
  { strategy: 'mcts', change: 'rollout random, exploration 0.2', at100: '83.891 ± 0.074', at200: '84.166 ± 0.066', at500: '84.618 ± 0.037' },
  { strategy: 'mcts', change: 'rollout random, exploration 0.1', at100: '84.012 ± 0.065', at200: '84.344 ± 0.040', at500: '84.544 ± 0.039' },
  { strategy: 'mcts', change: 'rollout random, exploration 0.05', at100: '84.085 ± 0.073', at200: '84.446 ± 0.045', at500: '84.537 ± 0.045' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 1', at100: '83.649 ± 0.131', at200: '84.137 ± 0.060', at500: '84.476 ± 0.034' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 0.5', at100: '84.049 ± 0.084', at200: '84.341 ± 0.058', at500: '84.624 ± 0.031' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 0.3', at100: '84.256 ± 0.074', at200: '84.416 ± 0.052', at500: '84.628 ± 0.026' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 0.2 (kept)', at100: '84.156 ± 0.078', at200: '84.492 ± 0.045', at500: '84.689 ± 0.028' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 0.1', at100: '84.132 ± 0.102', at200: '84.449 ± 0.053', at500: '84.672 ± 0.032' },
  { strategy: 'mcts', change: 'rollout amaf, exploration 0.05', at100: '84.106 ± 0.099', at200: '84.452 ± 0.040', at500: '84.531 ± 0.041' },
  { strategy: 'mcts', change: 'amaf, 0.2, UCT value blended with the AMAF value (RAVE, k 10; not kept)', at100: '84.201 ± 0.089', at200: '84.499 ± 0.044', at500: '84.709 ± 0.027' },
  { strategy: 'mcts', change: 'amaf, 0.1, the same with k 50 (not kept)', at100: '84.320 ± 0.062', at200: '84.503 ± 0.052', at500: '84.676 ± 0.041' },
  { strategy: 'mcts', change: 'amaf, 0.2, Q as the empirical quantile of the mean reward (not kept)', at100: '84.107 ± 0.076', at200: '84.486 ± 0.039', at500: '84.573 ± 0.037' },
  { strategy: 'mcts', change: 'amaf, 0.2, unexpanded children picked by AMAF UCB (not kept)', at100: '83.949 ± 0.124', at200: '84.446 ± 0.053', at500: '84.669 ± 0.036' },
  { strategy: 'reinforce', change: 'previous defaults (temperature 5, no elites, repeats proposed)', at100: '84.036 ± 0.080', at200: '84.644 ± 0.046', at500: '84.837 ± 0.030 (40 of 40 converged first)' },
  { strategy: 'reinforce', change: 'resampleRepeats 10', at100: '84.036 ± 0.080', at200: '84.608 ± 0.050', at500: '84.833 ± 0.030' },
  { strategy: 'reinforce', change: 'eliteSize 10', at100: '84.302 ± 0.068', at200: '84.817 ± 0.030', at500: '84.856 ± 0.026 (40 converged)' },
  { strategy: 'reinforce', change: 'eliteSize 10, resampleRepeats 10, one LSTM pass per draw', at100: '84.280 ± 0.072', at200: '84.770 ± 0.035', at500: '84.892 ± 0.000' },
  { strategy: 'reinforce', change: 'eliteSize 10, resampleRepeats 10 (draws in one batch, as kept)', at100: '84.156 ± 0.096', at200: '84.745 ± 0.036', at500: '84.877 ± 0.015' },
  { strategy: 'reinforce', change: 'eliteSize 10, eliteWeight 3, resampleRepeats 10', at100: '84.109 ± 0.096', at200: '84.741 ± 0.053', at500: '84.877 ± 0.015' },
  { strategy: 'reinforce', change: 'eliteSize 10, resampleRepeats 10, learningRate 0.05', at100: '84.305 ± 0.082', at200: '84.741 ± 0.040', at500: '84.871 ± 0.021' },
  { strategy: 'reinforce', change: 'eliteSize 10, resampleRepeats 10, batchSize 2', at100: '84.297 ± 0.090', at200: '84.754 ± 0.030', at500: '84.854 ± 0.022' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10', at100: '84.348 ± 0.091', at200: '84.797 ± 0.038', at500: '84.888 ± 0.004' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, learningRate 0.05', at100: '84.452 ± 0.085', at200: '84.769 ± 0.061', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, eliteWeight 3, learningRate 0.05', at100: '84.477 ± 0.081', at200: '84.736 ± 0.065', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 1', at100: '84.513 ± 0.060', at200: '84.809 ± 0.026', at500: '84.877 ± 0.015 (29 converged)' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 1, entropyWeight 0.03', at100: '84.506 ± 0.065', at200: '84.797 ± 0.031', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 1, learningRate 0.03', at100: '84.413 ± 0.104', at200: '84.789 ± 0.034', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 3, resampleRepeats 10, temperature 1', at100: '84.502 ± 0.070', at200: '84.806 ± 0.034', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 10, resampleRepeats 10, temperature 1', at100: '84.297 ± 0.082', at200: '84.754 ± 0.040', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 2 (kept)', at100: '84.467 ± 0.057', at200: '84.818 ± 0.023', at500: '84.892 ± 0.000 (25 converged at the optimum)' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 2, learningRate 0.05', at100: '84.440 ± 0.096', at200: '84.735 ± 0.074', at500: '—' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 20, temperature 2', at100: '84.416 ± 0.065', at200: '84.809 ± 0.032', at500: '84.892 ± 0.000' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 2, entropyWeight 0.05', at100: '84.471 ± 0.058', at200: '84.817 ± 0.021', at500: '84.877 ± 0.015' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 2, eliteWeight 2', at100: '84.476 ± 0.066', at200: '84.832 ± 0.023', at500: '84.877 ± 0.015' },
  { strategy: 'reinforce', change: 'eliteSize 5, resampleRepeats 10, temperature 2, batchSize 3', at100: '84.349 ± 0.098', at200: '84.783 ± 0.036', at500: '84.867 ± 0.021' },
];
