import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MetricPoint } from '../evaluator.js';
import { TrialAbortedError, WorkerCrashedError } from './errors.js';
import { deserializeError, type FromWorker, type ToWorker, type TrainWorkerData } from './protocol.js';
import type { TrialJob, TrialOutcome } from './run-trial.js';

export interface PoolOptions {
  readonly size: number;
  readonly backend: string;
  /** After an abort, a worker still busy this long is terminated (and replaced). */
  readonly abortGraceMs: number;
  /** Compiled worker entry; a seam for tests that need a worker misbehaving on purpose. */
  readonly script?: string;
}

export interface PoolTask {
  /** Called when a worker is free, so the job carries the state of that moment (the latest warm-start donor). */
  readonly job: () => TrialJob;
  readonly signal: AbortSignal;
  readonly onMetric: (point: MetricPoint) => void;
}

interface Pending {
  readonly jobId: number;
  readonly task: PoolTask;
  readonly abort: Int32Array;
  readonly resolve: (outcome: TrialOutcome) => void;
  readonly reject: (err: Error) => void;
  readonly detach: () => void;
  graceTimer?: NodeJS.Timeout;
  trialId?: string;
}

interface Slot {
  readonly index: number;
  worker?: Worker;
  current?: Pending;
  /** Set by the worker's 'error' event, reported when it exits. */
  lastError?: Error;
}

function checkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
}

export const TRAIN_WORKER_SCRIPT = join(__dirname, 'train.worker.js');

/**
 * A fixed number of worker threads, each running one trial at a time; extra trials wait
 * in FIFO order. Workers start on first use and are unref'd while idle, so an idle pool
 * never keeps the process alive. A worker that dies fails only the trial it was running
 * and its slot gets a fresh worker for the next one.
 */
export class TrainWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private nextJobId = 1;
  private disposed = false;
  private restarts = 0;
  private readonly backends = new Map<number, string>();

  constructor(private readonly options: PoolOptions) {
    checkSize(options.size);
    this.slots = Array.from({ length: options.size }, (_, index) => ({ index }));
  }

  /** Adds slots up to `size` (never removes any); queued trials start on the new ones. */
  grow(size: number): void {
    checkSize(size);
    while (this.slots.length < size) this.slots.push({ index: this.slots.length });
    this.dispatch();
  }

  run(task: PoolTask): Promise<TrialOutcome> {
    if (this.disposed) return Promise.reject(new Error('worker pool is disposed'));
    if (task.signal.aborted) return Promise.reject(new TrialAbortedError('trial aborted before it started'));
    return new Promise<TrialOutcome>((resolve, reject) => {
      const onAbort = (): void => this.abort(pending);
      task.signal.addEventListener('abort', onAbort, { once: true });
      const pending: Pending = {
        jobId: this.nextJobId++,
        task,
        abort: new Int32Array(new SharedArrayBuffer(4)),
        resolve,
        reject,
        detach: () => task.signal.removeEventListener('abort', onAbort),
      };
      this.queue.push(pending);
      this.dispatch();
    });
  }

  stats(): { size: number; busy: number; queued: number; restarts: number; backends: string[] } {
    return {
      size: this.slots.length,
      busy: this.slots.filter((s) => s.current).length,
      queued: this.queue.length,
      restarts: this.restarts,
      backends: [...new Set(this.backends.values())],
    };
  }

  /** Worker thread ids of the live workers (for resource monitoring in benchmarks). */
  threadIds(): number[] {
    return this.slots.flatMap((s) => (s.worker ? [s.worker.threadId] : []));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.queue.splice(0)) this.settle(p, new Error('worker pool disposed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        const worker = slot.worker;
        slot.worker = undefined;
        if (slot.current) this.settle(slot.current, new Error('worker pool disposed'));
        slot.current = undefined;
        if (worker) await worker.terminate();
      }),
    );
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (!slot.current && this.queue.length > 0) {
        const pending = this.queue.shift() as Pending;
        let job: TrialJob;
        try {
          job = pending.task.job();
        } catch (err) {
          this.settle(pending, err instanceof Error ? err : new Error(String(err)));
          continue;
        }
        pending.trialId = job.trialId;
        slot.current = pending;
        const worker = slot.worker ?? this.spawn(slot);
        worker.ref();
        const msg: ToWorker = { type: 'run', jobId: pending.jobId, job, abort: pending.abort };
        worker.postMessage(msg);
      }
    }
  }

  private spawn(slot: Slot): Worker {
    const data: TrainWorkerData = { backend: this.options.backend };
    const worker = new Worker(this.options.script ?? TRAIN_WORKER_SCRIPT, { workerData: data });
    slot.worker = worker;
    slot.lastError = undefined;
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, worker, msg));
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => this.onExit(slot, worker, code));
    return worker;
  }

  private onMessage(slot: Slot, worker: Worker, msg: FromWorker): void {
    if (msg.type === 'ready') {
      this.backends.set(slot.index, msg.backend);
      return;
    }
    const pending = slot.current;
    if (!pending || pending.jobId !== msg.jobId || slot.worker !== worker) return;
    if (msg.type === 'metric') {
      try {
        pending.task.onMetric(msg.point);
      } catch {
        // A failing listener must not take the trial down with it; the metric is lost, the training goes on.
      }
      return;
    }
    slot.current = undefined;
    worker.unref();
    if (msg.type === 'done') this.settle(pending, undefined, msg.outcome);
    else this.settle(pending, msg.error.name === 'AbortError' ? new TrialAbortedError(msg.error.message) : deserializeError(msg.error));
    // After the settled trial's continuations (which may install a new warm-start donor) have run.
    setImmediate(() => this.dispatch());
  }

  private onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    this.backends.delete(slot.index);
    const pending = slot.current;
    slot.current = undefined;
    if (this.disposed) return;
    if (pending) {
      this.restarts++;
      const aborted = Atomics.load(pending.abort, 0) !== 0;
      const reason = slot.lastError ? `${slot.lastError.name}: ${slot.lastError.message}` : `exit code ${code}`;
      this.settle(
        pending,
        aborted
          ? new TrialAbortedError(`trial aborted; its worker did not stop within ${this.options.abortGraceMs} ms and was terminated`)
          : new WorkerCrashedError(`training worker died during trial ${pending.trialId} (${reason})`),
      );
    }
    // The slot gets a new worker lazily, when the next trial is dispatched to it.
    this.dispatch();
  }

  private abort(pending: Pending): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(pending, new TrialAbortedError('trial aborted while queued'));
      return;
    }
    Atomics.store(pending.abort, 0, 1);
    const slot = this.slots.find((s) => s.current === pending);
    if (!slot) return;
    pending.graceTimer = setTimeout(() => {
      if (slot.current === pending) void slot.worker?.terminate();
    }, this.options.abortGraceMs);
    pending.graceTimer.unref();
  }

  private settle(pending: Pending, err?: Error, outcome?: TrialOutcome): void {
    pending.detach();
    if (pending.graceTimer) clearTimeout(pending.graceTimer);
    if (err) pending.reject(err);
    else pending.resolve(outcome as TrialOutcome);
  }
}
