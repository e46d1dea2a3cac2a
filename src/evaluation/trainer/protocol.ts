import type { MetricPoint } from '../evaluator.js';
import type { TrialJob, TrialOutcome } from './run-trial.js';

/** Data a train worker starts with (`workerData`). */
export interface TrainWorkerData {
  /** Backend request for selectBackend ('auto', 'wasm', 'cpu', …). */
  readonly backend: string;
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
}

/** Worker → main. */
export type FromWorker =
  | { readonly type: 'ready'; readonly backend: string; readonly reason: string }
  | { readonly type: 'metric'; readonly jobId: number; readonly point: MetricPoint }
  | { readonly type: 'done'; readonly jobId: number; readonly outcome: TrialOutcome }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

export function deserializeError(e: SerializedError): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}
