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
  /** Present for a finalist: retrain at a final budget and test once; absent for a search trial. */
  readonly final?: FinalTraining;
}

/**
 * A finalist's retraining (the second stage of the search): the search's evaluator
 * options overlaid with `budget`, the held-out TEST split scored once at the end (as
 * `test_accuracy` and `test_loss`; no search trial ever reads it), and the model kept.
 */
export interface FinalTraining {
  /** Evaluator options that replace the search's (epochs, trainSubset, resolution, …); null switches an optional one off. */
  readonly budget: Readonly<Record<string, unknown>>;
  /** Return the trained network as `artifact`. */
  readonly keepModel: boolean;
  /**
   * Weight inheritance: first retrain the proxy trial with this seed at the search's own
   * options (deterministic, so this recovers its weights without having stored them), then
   * start from its weights wherever a layer's shapes match. Reported as `inherited_layers`.
   */
  readonly inheritFromSeed?: number;
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
  /** A finalist's trained network, when FinalTraining.keepModel asked for it. */
  readonly artifact?: ModelArtifact;
}

/**
 * A trained network as portable files: a TensorFlow.js LayersModel (`model.json` and its
 * weight shards, standard layers only, softmax output, the input standardisation baked
 * in) plus `architecture.json` and `preprocessing.json`. Names are relative paths.
 */
export interface ModelArtifact {
  readonly files: readonly ArtifactFile[];
  readonly model: ModelSummary;
}

export interface ArtifactFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** What a model card says about the network and its data, as the evaluator knows it. */
export interface ModelSummary {
  /** [height, width, channels] the model takes, in the source's raw values (0–255 for image bytes). */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  /** Human names of the classes when the dataset has them (Fashion-MNIST's, a CSV's string labels). */
  readonly classNames: readonly string[] | null;
  /** One line: the source and its splits, e.g. "fashion-mnist: 54,000 train / 6,000 validation / 10,000 test". */
  readonly dataset: string;
  /** How a raw input becomes what the first layer saw in training, in words (the model.json does it itself). */
  readonly preprocessing: string;
  readonly params: number;
  readonly flops: number;
  /** Measured in the exporting process: batch 1 and per sample at batch 64. */
  readonly latencyMs: { readonly batch1: number; readonly batch64PerSample: number } | null;
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
