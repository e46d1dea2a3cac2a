import type { Actions, Architecture, Decision, SpaceKind } from '../../space/types.js';
import type { PrincipalKind, Role } from '../access/access.js';
import type { ExperimentStatus, EndReason } from '../experiments/experiment-status.js';
import type { TrialStatus } from '../trials/trial-status.js';
import type { TrialStage } from '../trials/trial-stage.js';
import type { FinalizationStatus } from '../finalization/finalization-status.js';
import type { ModelSummary } from '../../evaluation/evaluator.js';

/**
 * The rows of the domain as the services see them: plain data, no ORM behaviour, so
 * they can travel through the event bus and be rebuilt on another replica.
 */

export interface SearchSpaceRecord {
  readonly id: string;
  /** The project it belongs to; principals scoped to another never see it. */
  readonly project: string;
  readonly name: string;
  readonly kind: SpaceKind;
  /** The normalised definition (the compiler's input form). */
  readonly definition: unknown;
  readonly decisions: readonly Decision[];
  readonly decisionCount: number;
  /** Exact, as a decimal string: it routinely exceeds 2^53. */
  readonly cardinality: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type ObjectiveDirection = 'MAXIMIZE' | 'MINIMIZE';

export interface Objective {
  readonly metric: string;
  readonly direction: ObjectiveDirection;
  /** The experiment ends as soon as a trial reaches it. */
  readonly goal: number | null;
}

/** Folded into the reward by the evaluator; null means unconstrained. */
export interface Constraints {
  readonly maxParams: number | null;
  readonly maxFlops: number | null;
  readonly maxLatencyMs: number | null;
}

export interface Budget {
  /** Evaluations, not proposals: duplicates answered from an earlier trial do not count. */
  readonly maxTrials: number;
  readonly parallelTrials: number;
  readonly maxFailedTrials: number;
  readonly maxDurationSeconds: number | null;
  /** Attempts of one trial after a failure or a lost lease, before it is FAILED. */
  readonly maxRetries: number;
  /** Proposals in a row answered from earlier trials before the search counts as converged. */
  readonly maxConsecutiveDuplicates: number;
}

export interface StrategySpec {
  readonly type: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
}

export interface EvaluatorSpec {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/** The median stopping rule (Golovin et al. 2017, as in Vizier and Katib). */
export interface MedianStoppingSpec {
  readonly type: 'median';
  /** The intermediate metric compared, e.g. `val_accuracy`. */
  readonly metric: string;
  /** Completed trials needed before any trial is stopped. */
  readonly minTrials: number;
  /** Steps before which no trial is stopped. */
  readonly startStep: number;
}

/** Asynchronous successive halving (src/core/early-stopping/asha.ts). */
export interface AshaStoppingSpec {
  readonly type: 'asha';
  readonly metric: string;
  /** The steps (epochs) of the first rung. */
  readonly minResource: number;
  /** η: a trial goes on past a rung only in the top 1/η there. */
  readonly reductionFactor: number;
  /** The first rungs skipped. */
  readonly minEarlyStoppingRate: number;
  /** Other trials that must have reached a rung before anyone is stopped there. */
  readonly minTrials: number;
}

export type EarlyStoppingSpec = MedianStoppingSpec | AshaStoppingSpec;

export interface ExperimentRecord {
  readonly id: string;
  /** Always its search space's project. */
  readonly project: string;
  readonly name: string;
  readonly description: string | null;
  readonly searchSpaceId: string;
  readonly strategy: StrategySpec;
  readonly evaluator: EvaluatorSpec;
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly budget: Budget;
  readonly seed: number;
  readonly earlyStopping: EarlyStoppingSpec | null;
  readonly status: ExperimentStatus;
  readonly endReason: EndReason | null;
  readonly bestTrialId: string | null;
  /** Sequence numbers handed out so far (the next trial gets this + 1). */
  readonly trialSequence: number;
  /** Proposals in a row answered from earlier trials; bounded by the strategy's convergence limit. */
  readonly consecutiveDuplicates: number;
  /** The scheduler process that runs the experiment's loop, and until when its claim holds. */
  readonly schedulerOwner: string | null;
  readonly schedulerLeaseUntil: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

export interface TrialRecord {
  readonly id: string;
  readonly experimentId: string;
  readonly sequence: number;
  readonly actions: Actions;
  readonly architecture: Architecture;
  readonly label: string;
  readonly fingerprint: string;
  readonly policyVersion: number;
  readonly logProb: number;
  readonly status: TrialStatus;
  readonly reward: number | null;
  readonly finalMetrics: Readonly<Record<string, number>>;
  readonly params: number | null;
  readonly flops: number | null;
  readonly latencyMs: number | null;
  /** Set when the result was answered from an earlier trial with the same fingerprint. */
  readonly duplicateOfId: string | null;
  /** What computed the result: the TensorFlow.js backend and, for webgpu, the adapter; null where nothing ran here. */
  readonly runtime: TrialRuntime | null;
  readonly workerId: string | null;
  readonly attempt: number;
  readonly leaseExpiresAt: Date | null;
  /** The lease length the holder asked for; heartbeats renew by as much. */
  readonly leaseSeconds: number | null;
  readonly error: string | null;
  /** Set in the same transaction as the checkpoint of the update that consumed the reward. */
  readonly observedAt: Date | null;
  readonly idempotencyKey: string | null;
  readonly stage: TrialStage;
  /** A FINAL trial's proxy trial: the search trial whose architecture it retrains. */
  readonly finalistOf: string | null;
  /** A FINAL trial's retraining plan; null for search trials. */
  readonly final: FinalTrialSpec | null;
  /** The trained model a FINAL trial kept, in the artifact store. */
  readonly artifact: TrialArtifact | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
}

/** Fixed when the finalization creates the trial, so a restart or a remote worker retrains it the same way. */
export interface FinalTrialSpec {
  /** The finalization round that created it (a failed or cancelled finalization can be run again). */
  readonly round: number;
  /** Which of the finalist's seeds; replicates of the same index share a seed across finalists. */
  readonly replicate: number;
  readonly seed: number;
  /** Evaluator options overlaid on the search's: the effective final budget. */
  readonly budget: Readonly<Record<string, unknown>>;
  readonly keepModel: boolean;
  /** Weight inheritance from the proxy trial (its seed); null for a cold start. */
  readonly inheritFromSeed: number | null;
}

export interface TrialArtifact {
  /** The artifact store's key of the model's directory. */
  readonly key: string;
  readonly files: readonly { readonly name: string; readonly bytes: number }[];
  readonly model: ModelSummary;
}

/** What finalizeExperiment was asked for, with the defaults filled in. */
export interface FinalizationSpec {
  readonly topK: number;
  readonly seeds: number;
  /** The options given, as given. */
  readonly overrides: Readonly<Record<string, unknown>>;
  /** The final budget: search options ← the dataset's final defaults ← overrides (only the keys that differ from the search's). */
  readonly budget: Readonly<Record<string, unknown>>;
  readonly inheritWeights: boolean;
  /** The proxy trials chosen, best first. */
  readonly finalistIds: readonly string[];
}

/** The experiment's current finalization round. */
export interface FinalizationRecord {
  readonly experimentId: string;
  readonly round: number;
  readonly status: FinalizationStatus;
  readonly spec: FinalizationSpec;
  readonly error: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly finishedAt: Date | null;
}

export interface TrialRuntime {
  readonly backend: string;
  readonly adapter: string | null;
}

export interface TrialMetricRecord {
  readonly id: string;
  readonly trialId: string;
  readonly experimentId: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
  readonly createdAt: Date;
}

export interface ControllerStats {
  readonly baseline: number | null;
  readonly meanReward: number | null;
  readonly entropy: number | null;
}

export interface PolicyCheckpointRecord {
  readonly id: string;
  readonly experimentId: string;
  readonly step: number;
  readonly state: unknown;
  readonly stats: ControllerStats;
  /** Trials whose rewards this update consumed. */
  readonly observedTrialIds: readonly string[];
  readonly createdAt: Date;
}

/** An API key as stored: never the token itself, only its SHA-256. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  /** The start of the token (`gnk_AbCd…`), so that people can tell their keys apart. */
  readonly prefix: string;
  readonly hash: string;
  readonly role: Role;
  /** The one project the key may see and touch; null for every project. */
  readonly project: string | null;
  readonly expiresAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly createdAt: Date;
  /** Who created it: a principal's kind and id (`api-key:…`, `local`, `cli`). */
  readonly createdBy: string;
  readonly revokedAt: Date | null;
}

/** One mutation, as the audit trail records it. */
export interface AuditRecord {
  readonly id: string;
  readonly at: Date;
  readonly principalKind: PrincipalKind;
  readonly principalId: string;
  readonly principalName: string;
  readonly role: Role;
  /** The mutation field, e.g. `cancelExperiment`. */
  readonly operation: string;
  /** The id it named (`id`, `experimentId`, `trialId`, …) or created. */
  readonly target: string | null;
  /** `OK`, or the error code it ended with. */
  readonly outcome: string;
  readonly requestId: string | null;
  readonly transport: 'http' | 'websocket';
}

/**
 * A `graphnas worker` process as it registered itself, renewed by its heartbeats: what it
 * trains on, and until when it counts as alive.
 */
export interface WorkerRecord {
  /** The identity its trials record as their holder (`api-key:<key id>/<name>`, or the name alone under open access). */
  readonly id: string;
  readonly name: string;
  /** The project its key is scoped to; null for every project. */
  readonly project: string | null;
  readonly host: string;
  /** The TensorFlow.js backend its last trial trained on, or the one it was told to use before its first. */
  readonly backend: string;
  /** For webgpu, the adapter its last trial ran on. */
  readonly adapter: string | null;
  readonly cores: number;
  /** The GPU(s) it has, if any (the driver's names). */
  readonly gpu: string | null;
  /** The dataset sources it can load without being given a path (`fashion-mnist`, `synthetic`). */
  readonly datasets: readonly string[];
  /** Trials it evaluates at once. */
  readonly concurrency: number;
  readonly registeredAt: Date;
  readonly lastHeartbeatAt: Date;
  /** It counts as gone after this, unless a heartbeat renews it. */
  readonly expiresAt: Date;
}
