import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export interface Latency {
  /** Median milliseconds of one single-sample forward pass. */
  readonly batch1Ms: number;
  /** Median milliseconds per sample of a 64-sample forward pass. */
  readonly batch64MsPerSample: number;
}

/**
 * Inference latency on the current backend, after one warm-up pass (the first call
 * compiles kernels and allocates). Reading the result back forces the work to finish on
 * asynchronous backends.
 */
export async function measureLatency(
  model: tfl.LayersModel,
  inputShape: readonly number[],
  options: { repeats1?: number; repeats64?: number } = {},
): Promise<Latency> {
  const time = async (batch: number, repeats: number): Promise<number> => {
    const x = tf.zeros([batch, ...inputShape]);
    try {
      const run = async (): Promise<number> => {
        const start = performance.now();
        const y = model.predict(x) as tf.Tensor;
        await y.data();
        y.dispose();
        return performance.now() - start;
      };
      await run();
      const times: number[] = [];
      for (let i = 0; i < repeats; i++) times.push(await run());
      return median(times);
    } finally {
      x.dispose();
    }
  };
  const batch1Ms = await time(1, options.repeats1 ?? 5);
  const batch64Ms = await time(64, options.repeats64 ?? 3);
  return { batch1Ms, batch64MsPerSample: batch64Ms / 64 };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
