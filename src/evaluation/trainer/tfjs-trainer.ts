import type { EvaluationRequest, EvaluationResult, Evaluator, FinalTraining } from '../evaluator.js';
import { parseTfjsTrainerConfig, proxyOf, type ProxyConfig, type TfjsTrainerConfig } from './config.js';
import { overlayBudget } from './final.js';
import type { FinalJob } from './run-trial.js';
import type { TrainWorkerPool } from './pool.js';
import { acquireTrainWorkerPool, type PoolLease } from './shared-pool.js';
import type { DonorWeights } from './warm-start.js';

export interface TfjsTrainerOptions {
  /** Compiled worker entry; tests substitute a misbehaving one. */
  readonly workerScript?: string;
}

/**
 * The `tfjs-trainer` evaluator: builds each child network and trains it on the proxy
 * budget in worker threads, so the API's event loop never runs a training step. The
 * threads belong to a process-wide pool (see acquireTrainWorkerPool) that experiments
 * running at once share. One instance serves one experiment: with `warmStart` it keeps
 * the weights of the best finished trial so far (in this process's memory) and hands
 * them to each new trial.
 */
export class TfjsTrainerEvaluator implements Evaluator {
  readonly type = 'tfjs-trainer';
  readonly config: TfjsTrainerConfig;
  private lease?: PoolLease;
  /** Aborts this evaluator's own trials on dispose; the shared pool's other users go on. */
  private readonly closing = new AbortController();
  private donor?: { reward: number; weights: DonorWeights };
  private disposed = false;

  /** Throws EvaluatorConfigError (with field paths) on an invalid config. */
  constructor(
    config: unknown = {},
    private readonly options: TfjsTrainerOptions = {},
  ) {
    this.config = parseTfjsTrainerConfig(config);
  }

  async evaluate(request: EvaluationRequest): Promise<EvaluationResult> {
    if (this.disposed) throw new Error('tfjs-trainer evaluator is disposed');
    const { config } = this;
    this.lease ??= acquireTrainWorkerPool({
      size: config.workers,
      backend: config.backend,
      gpuTrials: config.gpuTrials,
      abortGraceMs: config.abortGraceMs,
      script: this.options.workerScript,
    });
    const final = request.final;
    // A finalist trains on its own budget (validated here: a bad one fails before it queues), never hands out or takes a search donor.
    const finalJob = final ? this.finalJob(request, final) : undefined;
    const warm = config.warmStart && !final;
    const outcome = await this.lease.pool.run({
      job: () => ({
        trialId: request.trialId,
        architecture: request.architecture,
        seed: request.seed,
        proxy: finalJob?.proxy ?? proxyOf(config, request.dataSeed),
        constraints: config.constraints,
        donor: warm ? this.donor?.weights : undefined,
        returnWeights: warm,
        ...(finalJob ? { final: finalJob.final } : {}),
      }),
      signal: AbortSignal.any([request.signal, this.closing.signal]),
      onMetric: (point) => request.report(point),
    }).catch((err: unknown) => {
      throw this.disposed ? new Error('tfjs-trainer evaluator disposed') : err;
    });
    const { result, weights, runtime } = outcome;
    if (weights && (!this.donor || result.reward > this.donor.reward)) this.donor = { reward: result.reward, weights };
    return { ...result, runtime };
  }

  /** The finalist's proxy config (the search's overlaid with the budget) and what the worker does beyond training. */
  private finalJob(request: EvaluationRequest, final: FinalTraining): { proxy: ProxyConfig; final: FinalJob } {
    const proxy = proxyOf(overlayBudget(this.config, final.budget), request.dataSeed);
    const inherit = final.inheritFromSeed === undefined ? undefined : { seed: final.inheritFromSeed, proxy: proxyOf(this.config, request.dataSeed) };
    return { proxy, final: { keepModel: final.keepModel, actions: request.actions, label: request.label, ...(inherit ? { inherit } : {}) } };
  }

  /** Threads of the pool free to start a trial now (before its first trial: the pool it will ask for). */
  idleCapacity(): number {
    const stats = this.lease?.pool.stats();
    return stats === undefined ? this.config.workers : Math.max(0, stats.active - stats.busy - stats.queued);
  }

  /** Statistics of the pool this evaluator uses (shared: busy and queued count every user's trials). */
  stats(): ReturnType<TrainWorkerPool['stats']> | undefined {
    return this.lease?.pool.stats();
  }

  /** Thread ids of the live workers of the pool this evaluator uses, for resource monitoring. */
  workerThreadIds(): number[] {
    return this.lease?.pool.threadIds() ?? [];
  }

  /** Aborts this evaluator's queued and running trials and lets go of the pool (the last user disposes it). */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.donor = undefined;
    this.closing.abort();
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }
}

export function createTfjsTrainerEvaluator(config: unknown, options?: TfjsTrainerOptions): TfjsTrainerEvaluator {
  return new TfjsTrainerEvaluator(config, options);
}
