/**
 * A finalist's budget: the second stage of a search retrains its best architectures at
 * full fidelity and scores them once on the held-out test split. The core merges the
 * search's options ← finalBudgetDefaults ← the user's overrides into one `budget`
 * (FinalTraining.budget), which overlays the search's options key by key.
 */
import { testSplitReason } from '../data/test-split.js';
import { parseTfjsTrainerConfig, type TfjsTrainerConfig } from './config.js';
import { EvaluatorConfigError, type ConfigIssue } from './errors.js';

/**
 * What a final budget may change: how the finalist trains. Not the dataset nor its
 * splits (finalists are validated on the search's validation split and tested on the
 * one test split), nor the pool's settings (workers, backend), which are the service's.
 */
export const FINAL_BUDGET_KEYS = ['epochs', 'trainSubset', 'valSubset', 'resolution', 'batchSize', 'optimizer', 'learningRate', 'schedule', 'reward', 'measureLatency'] as const;
export type FinalBudgetKey = (typeof FINAL_BUDGET_KEYS)[number];

/**
 * Epochs of a final training by source, when the search trained for fewer. Fashion-MNIST
 * and IDX image sets are large (54,000 training images): 10 full epochs of a small CNN
 * reach its plateau (about 91–92 % for the hand-written baseline). Synthetic and CSV data
 * are usually small (1,080 training samples by default, 17 steps an epoch at batch 64),
 * so 10 epochs would be fewer than 200 optimizer steps; 30 cost seconds and converge.
 */
const FINAL_EPOCHS: Readonly<Record<TfjsTrainerConfig['dataset']['source'], number>> = {
  'fashion-mnist': 10,
  idx: 10,
  csv: 30,
  synthetic: 30,
};

/**
 * The final budget "sensible for the dataset": the whole training and validation sets at
 * native resolution, more epochs (never fewer than the search's), a cosine schedule (the
 * usual for a full training run, NAS-Bench-201's too), and the reward read at the last
 * epoch, so that the validation accuracy and the test accuracy describe the same weights
 * (the test is scored on the weights training ends with; `best` would pick an epoch by
 * validation that the test never saw). Optimizer, learning rate and batch size stay the
 * search's (an architecture's own hyperparameters win over them anyway). Throws
 * EvaluatorConfigError when the search options are invalid.
 */
export function finalBudgetDefaults(searchOptions: unknown): Record<FinalBudgetKey, unknown> & Record<string, unknown> {
  const search = parseTfjsTrainerConfig(searchOptions);
  return {
    epochs: Math.max(search.epochs, FINAL_EPOCHS[search.dataset.source]),
    trainSubset: null,
    valSubset: null,
    resolution: null,
    batchSize: search.batchSize,
    optimizer: search.optimizer,
    learningRate: search.learningRate,
    schedule: 'cosine',
    reward: 'final',
    measureLatency: search.measureLatency,
  };
}

/** A parsed config as options again: an optional knob that is off (undefined) must stay off (null), not fall back to its default. */
function optionsOf(config: TfjsTrainerConfig): Record<string, unknown> {
  return { ...config, trainSubset: config.trainSubset ?? null, valSubset: config.valSubset ?? null, resolution: config.resolution ?? null };
}

/**
 * The config a finalist trains with: the search's overlaid with `budget` (null switches
 * an optional knob off). Throws EvaluatorConfigError listing every problem, with paths
 * relative to the budget (a key it may not set, a bad value).
 */
export function finalConfig(searchOptions: unknown, budget: Readonly<Record<string, unknown>>): TfjsTrainerConfig {
  return overlayBudget(parseTfjsTrainerConfig(searchOptions), budget);
}

/** finalConfig for search options already parsed (an evaluator's own config). */
export function overlayBudget(search: TfjsTrainerConfig, budget: Readonly<Record<string, unknown>>): TfjsTrainerConfig {
  const issues = budgetIssues(search, budget);
  if (issues.length > 0) throw new EvaluatorConfigError('tfjs-trainer', issues);
  return parseTfjsTrainerConfig({ ...optionsOf(search), ...budget });
}

/** Problems with a final budget (empty when it is fine); paths relative to the budget object. Throws EvaluatorConfigError when the search options are invalid. */
export function finalBudgetIssues(searchOptions: unknown, budget: Readonly<Record<string, unknown>>): ConfigIssue[] {
  return budgetIssues(parseTfjsTrainerConfig(searchOptions), budget);
}

function budgetIssues(search: TfjsTrainerConfig, budget: Readonly<Record<string, unknown>>): ConfigIssue[] {
  if (typeof budget !== 'object' || budget === null || Array.isArray(budget)) return [{ path: '', message: 'must be an object' }];
  const allowed = FINAL_BUDGET_KEYS as readonly string[];
  const issues: ConfigIssue[] = Object.keys(budget)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ path: key, message: `not a final-budget option (one of ${FINAL_BUDGET_KEYS.join(', ')})` }));
  const known = Object.fromEntries(Object.entries(budget).filter(([key]) => allowed.includes(key)));
  try {
    parseTfjsTrainerConfig({ ...optionsOf(search), ...known });
  } catch (error) {
    if (!(error instanceof EvaluatorConfigError)) throw error;
    issues.push(...error.issues);
  }
  return issues;
}

/**
 * Null when a finalist of a search with these evaluator options can be tested (its
 * dataset has a test split), else why not; the core asks before it finalises. Throws
 * EvaluatorConfigError when the options are invalid.
 */
export function testSplitOf(evaluatorOptions: unknown): string | null {
  return testSplitReason(parseTfjsTrainerConfig(evaluatorOptions).dataset);
}
