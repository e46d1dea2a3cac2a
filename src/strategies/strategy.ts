import type { Actions, Decision } from '../space/types.js';

/** One architecture proposed by a strategy. */
export interface Proposal {
  readonly actions: Actions;
  /** Σ_t log π(a_t) under the policy that sampled it (0 for strategies without a policy). */
  readonly logProb: number;
  /** The strategy's update step when it sampled this proposal. */
  readonly policyVersion: number;
}

/** A finished evaluation fed back to the strategy; may come from an older policy version. */
export interface Observation {
  readonly actions: Actions;
  readonly reward: number;
  readonly policyVersion: number;
}

/** For dashboards (`policyUpdated`) and checkpoints. */
export interface StrategyStats {
  readonly step: number;
  readonly baseline: number | null;
  readonly meanReward: number | null;
  readonly entropy: number | null;
}

/** JSON-serialisable: stored as a PolicyCheckpoint's state. */
export interface StrategySnapshot {
  readonly type: string;
  readonly version: number;
  readonly state: unknown;
}

/**
 * A search strategy proposes action sequences over a compiled decision list and learns
 * from observed rewards.
 *
 * Lifecycle: construct with (decisions, hyperparameters, seed), or construct and then
 * `restore(snapshot)` to continue a search; call `propose` and `observe` any number of
 * times in any interleaving (rewards arrive out of order and may belong to proposals of
 * an older policy version); `snapshot()` whenever the state must survive a crash;
 * `dispose()` once to release tensors. The same seed, decisions and observed rewards give
 * the same proposals.
 */
export interface SearchStrategy {
  readonly type: string;
  propose(count: number): Promise<Proposal[]>;
  observe(observations: readonly Observation[]): Promise<void>;
  snapshot(): StrategySnapshot;
  restore(snapshot: StrategySnapshot): void;
  stats(): StrategyStats;
  dispose(): void;
}

export interface StrategyConfig {
  readonly type: string;
  readonly hyperparameters?: Readonly<Record<string, unknown>>;
}

export type StrategyFactory = (decisions: readonly Decision[], config: StrategyConfig, seed: number) => SearchStrategy;
