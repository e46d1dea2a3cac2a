import { trainingBackendRequest } from '../backend/select.js';
import { TRAIN_WORKER_SCRIPT, TrainWorkerPool, type PoolOptions } from './pool.js';

/** A hold on a process-wide pool; `release` once, when the evaluator is done with it. */
export interface PoolLease {
  readonly pool: TrainWorkerPool;
  release(): Promise<void>;
}

interface Shared {
  readonly pool: TrainWorkerPool;
  users: number;
}

const pools = new Map<string, Shared>();

/**
 * The process's training pool for these options, shared by every evaluator that asks for
 * the same backend (after GRAPHNAS_TF_BACKEND, see trainingBackendRequest), GPU sharing,
 * worker script and abort grace. Each experiment used to start its own
 * core-count pool, so two experiments at once ran twice as many training threads as cores
 * (and held twice the memory); now they queue, FIFO, for the same threads. The pool grows
 * to the largest `size` any current user asked for and is disposed when its last user
 * releases it.
 */
export function acquireTrainWorkerPool(requested: PoolOptions): PoolLease {
  const options = { ...requested, backend: trainingBackendRequest(requested.backend) };
  const key = JSON.stringify([options.backend, options.gpuTrials, options.script ?? TRAIN_WORKER_SCRIPT, options.abortGraceMs]);
  let shared = pools.get(key);
  if (shared) shared.pool.grow(options.size);
  else {
    shared = { pool: new TrainWorkerPool(options), users: 0 };
    pools.set(key, shared);
  }
  shared.users++;
  const held = shared;
  let released = false;
  return {
    pool: held.pool,
    release: async () => {
      if (released) return;
      released = true;
      held.users--;
      if (held.users > 0) return;
      if (pools.get(key) === held) pools.delete(key);
      await held.pool.dispose();
    },
  };
}

/** How many shared pools are alive (each with at least one user). */
export function sharedTrainWorkerPools(): number {
  return pools.size;
}
