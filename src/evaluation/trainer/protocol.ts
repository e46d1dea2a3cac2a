import type { EvaluationRuntime, MetricPoint } from '../evaluator.js';
import type { TrialJob, TrialOutcome } from './run-trial.js';
import type { MachineSettings } from '../machine.js';

/** Data a train worker starts with (`workerData`). */
export interface TrainWorkerData {
  /** Backend request for selectBackend ('auto', 'webgpu', 'wasm', 'cpu', …). */
  readonly backend: string;
  /** The main thread's machine settings (dataset paths): a worker thread has none of its own. */
  readonly machine: MachineSettings;
}

/**
 * Main → worker. `abort` is a one-element Int32Array over a SharedArrayBuffer: the main
 * thread sets it to 1 and the training loop, which never yields inside an epoch, still
 * sees it before the next batch.
 */
export type ToWorker = { readonly type: 'run'; readonly jobId: number; readonly job: TrialJob; readonly abort: Int32Array };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** Carried across because the scheduler retries on it (a lost GPU device is retryable). */
  readonly retryable?: boolean;
}

/** A worker's tfjs memory after a trial: flat from trial to trial unless something leaks. */
export interface WorkerMemory {
  readonly tensors: number;
  readonly bytes: number;
  /** Bytes in GPU buffers in use (webgpu); null on backends without GPU memory. */
  readonly gpuBytes: number | null;
  /** Bytes the device holds for tfjs, in use or pooled for reuse (webgpu); null elsewhere. */
  readonly gpuBytesAllocated: number | null;
}

/**
 * Worker → main. `ready` says which backend the worker trains on and whether that is a
 * GPU (the pool then shares the device between fewer trials). `retire` on a failure asks
 * the pool to replace the worker: its GPU device failed, and a fresh thread acquires a
 * fresh one.
 */
export type FromWorker =
  | { readonly type: 'ready'; readonly runtime: EvaluationRuntime; readonly gpu: boolean; readonly reason: string }
  | { readonly type: 'metric'; readonly jobId: number; readonly point: MetricPoint }
  | { readonly type: 'done'; readonly jobId: number; readonly outcome: TrialOutcome; readonly runtime: EvaluationRuntime; readonly memory: WorkerMemory }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: SerializedError; readonly retire?: boolean };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const retryable = (err as { retryable?: unknown }).retryable === true ? { retryable: true } : {};
    return { name: err.name, message: err.message, stack: err.stack, ...retryable };
  }
  return { name: 'Error', message: String(err) };
}

export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  if (e.retryable) Object.defineProperty(err, 'retryable', { value: true, enumerable: true });
  return err;
}
