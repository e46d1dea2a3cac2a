/**
 * Training throughput of one child network on the current backend, through the same
 * training loop the evaluator uses, on random data of the given shape (throughput does
 * not depend on the values).
 */
import { buildChildNetwork } from '../../src/evaluation/model/build.js';
import { modelCost } from '../../src/evaluation/model/cost.js';
import type { PreparedData } from '../../src/evaluation/data/dataset.js';
import { trainModel } from '../../src/evaluation/trainer/train.js';
import type { Architecture } from '../../src/space/types.js';

export interface Throughput {
  readonly inputShape: readonly [number, number, number];
  readonly batchSize: number;
  readonly samples: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
  /** Forward FLOPs per sample (2 × MACs of conv and dense layers). */
  readonly forwardFlops: number;
  /**
   * Training FLOPs per sample, taken as 3 × forward: the backward pass computes two
   * products of the forward's size per layer (input gradient and weight gradient).
   */
  readonly trainFlops: number;
  readonly effectiveGflops: number;
}

export async function measureTrainingThroughput(
  arch: Architecture,
  inputShape: readonly [number, number, number],
  options: { samples: number; batchSize?: number; warmupSamples?: number },
): Promise<Throughput> {
  const batchSize = options.batchSize ?? 64;
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  const make = (count: number): PreparedData => ({
    train: { x: Float32Array.from({ length: count * size }, () => Math.random() - 0.5), y: Int32Array.from({ length: count }, (_, i) => i % 10), count },
    // One validation sample: the epoch's validation pass is not what is measured.
    validation: { x: new Float32Array(size), y: Int32Array.from([0]), count: 1 },
    inputShape,
    numClasses: 10,
  });
  const model = buildChildNetwork(arch, inputShape, 10, 1);
  try {
    const { flops } = modelCost(model);
    const hooks = { shouldStop: () => false, report: () => undefined };
    const settings = { epochs: 1, batchSize, optimizer: 'adam', learningRate: 1e-3, seed: 1 };
    await trainModel(model, make(options.warmupSamples ?? batchSize * 2), settings, hooks);
    const data = make(options.samples);
    const start = performance.now();
    await trainModel(model, data, settings, hooks);
    const seconds = (performance.now() - start) / 1000;
    const samplesPerSecond = options.samples / seconds;
    return {
      inputShape,
      batchSize,
      samples: options.samples,
      seconds,
      samplesPerSecond,
      forwardFlops: flops,
      trainFlops: 3 * flops,
      effectiveGflops: (samplesPerSecond * 3 * flops) / 1e9,
    };
  } finally {
    model.dispose();
  }
}
