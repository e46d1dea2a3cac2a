/**
 * Measures one backend in its own worker thread (selectBackend is once per thread): the
 * matMul ceiling and the small CNN's training throughput, in the same thread, so both
 * see the same backend and machine load.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../src/evaluation/backend/select.js';
import { measureMatMulCeiling } from '../matmul-ceiling.js';
import { measureTrainingThroughput } from './throughput.js';
import { SMALL_CNN } from './archs.js';

export interface BackendJob {
  readonly backend: string;
  readonly matMulSize: number;
  readonly samples: number;
  readonly warmupSamples: number;
}

const job = workerData as BackendJob;

void (async () => {
  try {
    // Named, webgpu may also be a software adapter: the table says which (`adapter`).
    const sel = await selectBackend({ preferred: job.backend, allowWebGpu: true });
    if (sel.name !== job.backend) {
      parentPort?.postMessage({ ok: false, backend: job.backend, reason: sel.reason });
      return;
    }
    const ceiling = await measureMatMulCeiling({ size: job.matMulSize, repetitions: 5 });
    const at28 = await measureTrainingThroughput(SMALL_CNN, [28, 28, 1], { samples: job.samples, warmupSamples: job.warmupSamples });
    const at14 = await measureTrainingThroughput(SMALL_CNN, [14, 14, 1], { samples: job.samples, warmupSamples: job.warmupSamples });
    parentPort?.postMessage({ ok: true, backend: job.backend, reason: sel.reason, adapter: sel.adapter?.summary, ceiling, at28, at14 });
  } catch (err) {
    parentPort?.postMessage({ ok: false, backend: job.backend, reason: err instanceof Error ? err.message : String(err) });
  }
})();
