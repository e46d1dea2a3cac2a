import type { Actions, Architecture } from '../space/types.js';

/** One intermediate metric (a learning-curve point), e.g. `val_accuracy` at epoch 3. */
export interface MetricPoint {
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

export interface EvaluationRequest {
  readonly trialId: string;
  readonly architecture: Architecture;
  readonly actions: Actions;
  /** Short human-readable form of the architecture (a NAS-Bench-201 cell prints in the benchmark's own form). */
  readonly label: string;
  /** The trial's seed (src/random/seeds.ts): initialisation, dropout and shuffling derive their streams from it. */
  readonly seed: number;
  /** The experiment's data seed: the same for all its trials, so they are scored on the same split. */
  readonly dataSeed: number;
  /** Aborted when the trial is cancelled or pruned; an evaluator stops within one batch. */
  readonly signal: AbortSignal;
  /** Called for every intermediate metric, as it happens. */
  report(point: MetricPoint): void;
}

export interface EvaluationResult {
  /**
   * The evaluator's own score (validation accuracy, a table's value), the objective
   * `reward`; the experiment's finish rule picks the objective metric and folds the
   * constraints in (src/core/objective/finish-rule.ts).
   */
  readonly reward: number;
  /** Final metrics by name (accuracy, loss, test accuracy, …). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly params?: number;
  readonly flops?: number;
  readonly latencyMs?: number;
  /** What computed the result, so it can be traced to its hardware; absent where nothing ran here (a table, an external worker). */
  readonly runtime?: EvaluationRuntime;
}

export interface EvaluationRuntime {
  /** The TensorFlow.js backend: `webgpu`, `wasm`, `tensorflow-gpu`, … */
  readonly backend: string;
  /** For webgpu, the adapter: device, driver, Dawn backend and whether it is software; null for the others. */
  readonly adapter: string | null;
}

/**
 * Scores architectures. Implementations: `tabular` (a benchmark table lookup),
 * `tfjs-trainer` (trains the child network on a proxy budget), `external` (a worker
 * reports through the API, so nothing runs in-process). `evaluate` may run many times
 * concurrently; `dispose` releases pools and caches once the experiment ends.
 */
export interface Evaluator {
  readonly type: string;
  evaluate(request: EvaluationRequest): Promise<EvaluationResult>;
  /**
   * How many more evaluations it would start at once, without queueing them behind
   * others. Absent: no limit worth knowing (a table lookup). The scheduler reads it when
   * the service shares an experiment's queue with remote workers (placement `any`): a
   * trial it claimed only to queue is one a free worker could have had.
   */
  idleCapacity?(): number;
  dispose(): Promise<void>;
}

export interface EvaluatorConfig {
  readonly type: string;
  readonly [option: string]: unknown;
}
