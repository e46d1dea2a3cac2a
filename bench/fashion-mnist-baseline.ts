/**
 * The hand-written baseline a search on examples/fashion-mnist-layers.json must beat:
 * two 3×3 convolutions (32, 64 filters) with 2×2 max pooling and a 128-unit dense layer,
 * trained with the tfjs-trainer evaluator's default proxy (the same budget every trial of
 * examples/fashion-mnist-reinforce.json gets). Prints the proxy accuracy over seeds.
 *
 *   npm run build && node dist/bench/fashion-mnist-baseline.js [seeds]
 */
import { TfjsTrainerEvaluator } from '../src/evaluation/trainer/index.js';
import { SMALL_CNN } from './train/archs.js';

const BASELINE = SMALL_CNN;

async function main(): Promise<void> {
  const seeds = Number(process.argv[2] ?? 3);
  const evaluator = new TfjsTrainerEvaluator({ workers: 1, measureLatency: false });
  const accuracies: number[] = [];
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
      });
      accuracies.push(result.reward);
      console.log(`seed ${seed}: proxy val accuracy ${result.reward.toFixed(4)} (params ${result.params})`);
    }
  } finally {
    await evaluator.dispose();
  }
  const mean = accuracies.reduce((a, b) => a + b, 0) / accuracies.length;
  const sd = Math.sqrt(accuracies.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, accuracies.length - 1));
  console.log(`baseline 2-conv: ${mean.toFixed(4)} ± ${sd.toFixed(4)} over ${accuracies.length} seeds`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
