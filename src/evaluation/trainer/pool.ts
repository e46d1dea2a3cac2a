import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EvaluationRuntime, MetricPoint } from '../evaluator.js';
import { BACKEND_ORDER, resolveBackendName } from '../backend/select.js';
import { prepareSoftwareGlEnvironment } from '../backend/webgpu.js';
import { TrialAbortedError, WorkerCrashedError } from './errors.js';
import { deserializeError, type FromWorker, type ToWorker, type TrainWorkerData, type WorkerMemory } from './protocol.js';
import type { TrialJob, TrialOutcome } from './run-trial.js';
import { machine } from '../machine.js';

export interface PoolOptions {
  readonly size: number;
  /** The workers' backend request (see trainingBackendRequest). */
  readonly backend: string;
  /**
   * Trials in flight at once when the workers train on a GPU, each in its own thread
   * with its own device; at most `size`.
   */
  readonly gpuTrials: number;
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
  readonly resolve: (outcome: PoolOutcome) => void;
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
  /** Spawned, and not yet ready (nor failed a trial, which a worker whose backend failed does instead). */
  starting?: boolean;
}

/** A finished trial and what trained it. */
export interface PoolOutcome extends TrialOutcome {
  readonly runtime: EvaluationRuntime;
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
 *
 * Where the backend request can end on a GPU, the first worker says which backend it
 * got before any other starts, so that a GPU is never opened by more threads than
 * `gpuTrials` (each would hold its own device and copy of the data). GPU workers also
 * start one after another: two threads bringing up Dawn's OpenGL backend on Mesa at once
 * crashed the process in one run of six, and never when started in turn (24 runs); and
 * they are terminated in turn, since two ending at once corrupted the heap in two of
 * three runs.
 */
export class TrainWorkerPool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private nextJobId = 1;
  private disposed = false;
  private restarts = 0;
  private readonly backends = new Map<number, string>();
  private readonly memory = new Map<number, WorkerMemory>();
  /** Whether the workers train on a GPU; undefined until the first one is ready. */
  private onGpu: boolean | undefined;
  /** The latest termination of a GPU worker; the next one waits for it. */
  private terminations: Promise<void> = Promise.resolve();

  constructor(private readonly options: PoolOptions) {
    checkSize(options.size);
    checkSize(options.gpuTrials);
    this.slots = Array.from({ length: options.size }, (_, index) => ({ index }));
    this.onGpu = canEndOnGpu(options.backend) ? undefined : false;
    if (requestsWebGpu(options.backend)) prepareSoftwareGlEnvironment();
  }

  /** How many slots may run trials now. */
  private activeSlots(): number {
    if (this.onGpu === undefined) return 1;
    return this.onGpu ? Math.min(this.options.gpuTrials, this.slots.length) : this.slots.length;
  }

  /** Adds slots up to `size` (never removes any); queued trials start on the new ones. */
  grow(size: number): void {
    checkSize(size);
    while (this.slots.length < size) this.slots.push({ index: this.slots.length });
    this.dispatch();
  }

  run(task: PoolTask): Promise<PoolOutcome> {
    if (this.disposed) return Promise.reject(new Error('worker pool is disposed'));
    if (task.signal.aborted) return Promise.reject(new TrialAbortedError('trial aborted before it started'));
    return new Promise<PoolOutcome>((resolve, reject) => {
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

  /** `memory`: each live worker's tfjs memory after its latest trial. */
  stats(): { size: number; active: number; busy: number; queued: number; restarts: number; backends: string[]; memory: WorkerMemory[] } {
    return {
      size: this.slots.length,
      active: this.activeSlots(),
      busy: this.slots.filter((s) => s.current).length,
      queued: this.queue.length,
      restarts: this.restarts,
      backends: [...new Set(this.backends.values())],
      memory: [...this.memory.values()],
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
        if (worker) await this.terminate(worker);
      }),
    );
  }

  private terminate(worker: Worker): Promise<void> {
    const ended = (): Promise<void> => worker.terminate().then(() => undefined, () => undefined);
    if (this.onGpu === false) return ended();
    this.terminations = this.terminations.then(ended);
    return this.terminations;
  }

  private dispatch(): void {
    for (const slot of this.slots.slice(0, this.activeSlots())) {
      if (!slot.worker && this.onGpu !== false && this.slots.some((s) => s.starting)) continue;
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
    const data: TrainWorkerData = { backend: this.options.backend, machine: machine() };
    const worker = new Worker(this.options.script ?? TRAIN_WORKER_SCRIPT, { workerData: data });
    slot.worker = worker;
    slot.lastError = undefined;
    slot.starting = true;
    worker.on('message', (msg: FromWorker) => this.onMessage(slot, worker, msg));
    worker.on('error', (err) => {
      slot.lastError = err;
    });
    worker.on('exit', (code) => this.onExit(slot, worker, code));
    return worker;
  }

  private onMessage(slot: Slot, worker: Worker, msg: FromWorker): void {
    if (slot.worker === worker && slot.starting) {
      slot.starting = false;
      if (msg.type !== 'ready') this.dispatch();
    }
    if (msg.type === 'ready') {
      this.backends.set(slot.index, msg.runtime.adapter ? `${msg.runtime.backend} on ${msg.runtime.adapter}` : msg.runtime.backend);
      this.onGpu = msg.gpu;
      this.dispatch();
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
    if (msg.type === 'done') {
      this.memory.set(slot.index, msg.memory);
      this.settle(pending, undefined, { ...msg.outcome, runtime: msg.runtime });
    } else {
      this.settle(pending, msg.error.name === 'AbortError' ? new TrialAbortedError(msg.error.message) : deserializeError(msg.error));
    }
    if (msg.type === 'failed' && msg.retire) {
      // Its device failed: the slot gets a fresh worker (and so a fresh device) for the next trial.
      slot.worker = undefined;
      slot.starting = false;
      this.backends.delete(slot.index);
      this.memory.delete(slot.index);
      this.restarts++;
      void this.terminate(worker);
    }
    // After the settled trial's continuations (which may install a new warm-start donor) have run.
    setImmediate(() => this.dispatch());
  }

  private onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.starting = false;
    this.backends.delete(slot.index);
    this.memory.delete(slot.index);
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
      if (slot.current === pending && slot.worker) void this.terminate(slot.worker);
    }, this.options.abortGraceMs);
    pending.graceTimer.unref();
  }

  private settle(pending: Pending, err?: Error, outcome?: PoolOutcome): void {
    pending.detach();
    if (pending.graceTimer) clearTimeout(pending.graceTimer);
    if (err) pending.reject(err);
    else pending.resolve(outcome as PoolOutcome);
  }
}

function resolvedOrUnknown(request: string): ReturnType<typeof resolveBackendName> | undefined {
  try {
    return resolveBackendName(request);
  } catch {
    // An unknown name: the worker's selectBackend reports it with every trial.
    return undefined;
  }
}

function canEndOnGpu(request: string): boolean {
  const name = resolvedOrUnknown(request);
  return name === 'auto' || (name !== undefined && BACKEND_ORDER.indexOf(name) <= BACKEND_ORDER.indexOf('webgpu'));
}

function requestsWebGpu(request: string): boolean {
  return resolvedOrUnknown(request) === 'webgpu';
}
