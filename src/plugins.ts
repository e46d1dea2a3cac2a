import type { PluginCatalog } from './core/experiments/plugin-catalog.js';

/** The strategies and evaluators this build offers, with their option checks. */
export function createPluginCatalog(): PluginCatalog {
  return {
    strategyTypes: ['reinforce', 'random', 'evolution'],
    evaluatorTypes: ['tabular', 'tfjs-trainer', 'external'],
    validateStrategy: () => [],
    validateEvaluator: () => [],
  };
}
