/**
 * Worker-thread entry (loaded as dist/src/evaluation/trainer/train.worker.js). One trial
 * at a time: the pool never sends a second `run` before the first finished. Datasets are
 * cached by the data module for the worker's lifetime.
 *
 * On webgpu a trial also stops at the first GPU fault (WebGPU reports out-of-memory and
 * invalid operations as events and goes on computing zeros), fails with the fault as its
 * reason, and the worker asks to be replaced, so the next trial gets a fresh device.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { EvaluationRuntime } from '../evaluator.js';
import { isGpuBackend, selectBackend } from '../backend/select.js';
import { GpuFaultError, releaseWebGpuBufferPool, webGpuFault } from '../backend/webgpu.js';
import { serializeError, type FromWorker, type ToWorker, type TrainWorkerData, type WorkerMemory } from './protocol.js';
import { configureMachine } from '../machine.js';
import { runTrial } from './run-trial.js';

const port = parentPort;
if (!port) throw new Error('train.worker must run in a worker thread');
const send = (msg: FromWorker): void => port.postMessage(msg);
const { backend, machine } = workerData as TrainWorkerData;
configureMachine(machine);

const ready = selectBackend({ preferred: backend, allowWebGpu: true }).then((sel) => {
  const runtime: EvaluationRuntime = { backend: sel.name, adapter: sel.adapter?.summary ?? null };
  send({ type: 'ready', runtime, gpu: isGpuBackend(sel.name), reason: sel.reason });
  return runtime;
});
// Jobs await `ready` and fail with its error; this only keeps an idle worker from dying of an unhandled rejection.
ready.catch(() => undefined);

/** After a trial: its buffers go back to the device (see releaseWebGpuBufferPool), then what is left is counted. */
function memoryAfterTrial(): WorkerMemory {
  releaseWebGpuBufferPool();
  const m: tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number } = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes, gpuBytes: m.numBytesInGPU ?? null, gpuBytesAllocated: m.numBytesAllocatedInGPU ?? null };
}

/** The device's loss arrives as a promise callback; one turn of the event loop lets it land before a failure is judged. */
const settleGpuEvents = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

port.on('message', (msg: ToWorker) => {
  if (msg.type !== 'run') return;
  const { jobId, job, abort } = msg;
  void (async () => {
    let runtime: EvaluationRuntime | undefined;
    try {
      runtime = await ready;
      const outcome = await runTrial(job, {
        shouldStop: () => Atomics.load(abort, 0) !== 0 || webGpuFault() !== undefined,
        report: (point) => send({ type: 'metric', jobId, point }),
      });
      await settleGpuEvents();
      const fault = webGpuFault();
      if (fault) throw new GpuFaultError(fault, runtime.adapter ?? runtime.backend);
      // Weights and a finalist's model files move to the main thread rather than being copied (each owns its buffer).
      const transfer = [
        ...new Set([
          ...(outcome.weights?.flatMap((l) => l.values.map((v) => v.buffer as ArrayBuffer)) ?? []),
          ...(outcome.result.artifact?.files.map((f) => f.bytes.buffer as ArrayBuffer) ?? []),
        ]),
      ];
      port.postMessage({ type: 'done', jobId, outcome, runtime, memory: memoryAfterTrial() } satisfies FromWorker, transfer);
    } catch (err) {
      await settleGpuEvents();
      const fault = webGpuFault();
      // The fault is the cause; what the training loop threw (an abort, a failed read) is its consequence.
      const error = fault && !(err instanceof GpuFaultError) ? new GpuFaultError(fault, runtime?.adapter ?? 'webgpu') : err;
      if (!fault) releaseWebGpuBufferPool();
      send({ type: 'failed', jobId, error: serializeError(error), ...(fault ? { retire: true } : {}) });
    }
  })();
});
