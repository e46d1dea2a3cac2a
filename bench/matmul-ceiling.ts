/**
 * The achievable FLOP/s of the current tfjs backend, measured as a large square matMul:
 * the ceiling the training benchmark divides its effective FLOP/s by. Measured in the
 * same process and thread as the training it is compared with, so that both see the
 * same backend, SIMD support and machine load.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface MatMulCeiling {
  readonly backend: string;
  readonly size: number;
  /** Best of the timed repetitions: the ceiling, not the average. */
  readonly gflops: number;
  readonly medianGflops: number;
  readonly repetitions: number;
}

export async function measureMatMulCeiling(options: { size?: number; repetitions?: number } = {}): Promise<MatMulCeiling> {
  const size = options.size ?? 1024;
  const repetitions = options.repetitions ?? 5;
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  const flops = 2 * size ** 3;
  try {
    // Warm-up: first calls pay for weight packing, operator creation and allocation.
    tf.matMul(a, b).dispose();
    const samples: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      const start = performance.now();
      const c = tf.matMul(a, b);
      // Reading the result back waits for it on asynchronous backends.
      await c.data();
      samples.push(performance.now() - start);
      c.dispose();
    }
    samples.sort((x, y) => x - y);
    const best = samples[0] ?? Infinity;
    const median = samples[Math.floor(samples.length / 2)] ?? Infinity;
    return { backend: tf.getBackend(), size, gflops: flops / best / 1e6, medianGflops: flops / median / 1e6, repetitions };
  } finally {
    tf.dispose([a, b]);
  }
}
