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
  readonly seed: number;
  /** Aborted when the trial is cancelled or pruned; an evaluator stops within one batch. */
  readonly signal: AbortSignal;
  /** Called for every intermediate metric, as it happens. */
  report(point: MetricPoint): void;
}

export interface EvaluationResult {
  /** What the strategy maximises (constraints already folded in). */
  readonly reward: number;
  /** Final metrics by name (accuracy, loss, test accuracy, …). */
  readonly metrics: Readonly<Record<string, number>>;
  readonly params?: number;
  readonly flops?: number;
  readonly latencyMs?: number;
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
  dispose(): Promise<void>;
}

export interface EvaluatorConfig {
  readonly type: string;
  readonly [option: string]: unknown;
}
