/**
 * The hand-written baseline a search on examples/fashion-mnist-layers.json must beat:
 * two 3×3 convolutions (32, 64 filters) with 2×2 max pooling and a 128-unit dense layer.
 * Trained with the tfjs-trainer evaluator's default proxy (the budget every trial of
 * examples/fashion-mnist-reinforce.json gets) it prints the proxy accuracy over seeds;
 * with --final it is retrained and tested exactly as a finalist of that example is
 * (`graphnas finalize` with the same --epochs and --budget), so its test accuracy is the
 * one a finalization's winner is compared with.
 *
 *   npm run build && node dist/bench/fashion-mnist-baseline.js [--seeds N] [--final [--epochs N] [--budget JSON]]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FinalTraining } from '../src/evaluation/evaluator.js';
import { finalBudgetDefaults } from '../src/evaluation/trainer/final.js';
import { TfjsTrainerEvaluator } from '../src/evaluation/trainer/index.js';
import { SMALL_CNN } from './train/archs.js';

const BASELINE = SMALL_CNN;
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'fashion-mnist-reinforce.json');

function summary(values: readonly number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { seeds: { type: 'string', default: '3' }, final: { type: 'boolean', default: false }, epochs: { type: 'string' }, budget: { type: 'string' } } });
  const seeds = Number(values.seeds);
  const options = values.final ? (JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { evaluator: { options: Record<string, unknown> } }).evaluator.options : { measureLatency: false };
  const final: FinalTraining | undefined = values.final
    ? {
        budget: { ...finalBudgetDefaults(options), ...(values.budget ? (JSON.parse(values.budget) as Record<string, unknown>) : {}), ...(values.epochs ? { epochs: Number(values.epochs) } : {}) },
        keepModel: false,
      }
    : undefined;
  const evaluator = new TfjsTrainerEvaluator({ ...options, workers: 1 });
  const validation: number[] = [];
  const test: number[] = [];
  const started = performance.now();
  try {
    for (let seed = 1; seed <= seeds; seed++) {
      const result = await evaluator.evaluate({
        trialId: `baseline-${seed}`,
        architecture: BASELINE,
        actions: [],
        label: 'baseline 2-conv',
        seed,
        // The split of PROXY_DEFAULTS, which the search's reference runs use too.
        dataSeed: 0,
        signal: new AbortController().signal,
        report: () => undefined,
        ...(final ? { final } : {}),
      });
      validation.push(result.reward);
      if (final) test.push(result.metrics.test_accuracy);
      console.log(`seed ${seed}: ${final ? 'final' : 'proxy'} val accuracy ${result.reward.toFixed(4)}${final ? `, test accuracy ${result.metrics.test_accuracy.toFixed(4)}` : ''} (params ${result.params})`);
    }
  } finally {
    await evaluator.dispose();
  }
  const wall = ((performance.now() - started) / 1000).toFixed(1);
  if (final) console.log(`baseline 2-conv at the final budget ${JSON.stringify(final.budget)}: val ${summary(validation)}, test ${summary(test)} over ${seeds} seeds, ${wall} s`);
  else console.log(`baseline 2-conv: ${summary(validation)} over ${seeds} seeds, ${wall} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
