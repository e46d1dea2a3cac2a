import type { EvaluationRequest, EvaluationResult, Evaluator } from '../evaluator.js';
import { parseTfjsTrainerConfig, proxyOf, type TfjsTrainerConfig } from './config.js';
import { TrainWorkerPool } from './pool.js';
import type { DonorWeights } from './warm-start.js';

export interface TfjsTrainerOptions {
  /** Compiled worker entry; tests substitute a misbehaving one. */
  readonly workerScript?: string;
}

/**
 * The `tfjs-trainer` evaluator: builds each child network and trains it on the proxy
 * budget in a pool of worker threads, so the API's event loop never runs a training step.
 * One instance serves one experiment: with `warmStart` it keeps the weights of the best
 * finished trial so far (in this process's memory) and hands them to each new trial.
 */
export class TfjsTrainerEvaluator implements Evaluator {
  readonly type = 'tfjs-trainer';
  readonly config: TfjsTrainerConfig;
  private pool?: TrainWorkerPool;
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
    const pool = (this.pool ??= new TrainWorkerPool({
      size: config.workers,
      backend: config.backend,
      abortGraceMs: config.abortGraceMs,
      script: this.options.workerScript,
    }));
    const outcome = await pool.run({
      job: () => ({
        trialId: request.trialId,
        architecture: request.architecture,
        seed: request.seed,
        proxy: proxyOf(config),
        constraints: config.constraints,
        donor: config.warmStart ? this.donor?.weights : undefined,
        returnWeights: config.warmStart,
      }),
      signal: request.signal,
      onMetric: (point) => request.report(point),
    });
    const { result, weights } = outcome;
    if (weights && (!this.donor || result.reward > this.donor.reward)) this.donor = { reward: result.reward, weights };
    return result;
  }

  /** Pool statistics (size, busy, queued, restarts, backends in use). */
  stats(): ReturnType<TrainWorkerPool['stats']> | undefined {
    return this.pool?.stats();
  }

  /** Thread ids of live workers, for resource monitoring. */
  workerThreadIds(): number[] {
    return this.pool?.threadIds() ?? [];
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.donor = undefined;
    await this.pool?.dispose();
    this.pool = undefined;
  }
}

export function createTfjsTrainerEvaluator(config: unknown, options?: TfjsTrainerOptions): TfjsTrainerEvaluator {
  return new TfjsTrainerEvaluator(config, options);
}
