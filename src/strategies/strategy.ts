import type { Actions, Decision } from '../space/types.js';

/** One architecture proposed by a strategy. */
export interface Proposal {
  readonly actions: Actions;
  /** Σ_t log π(a_t) under the policy that sampled it (0 for strategies without a policy). */
  readonly logProb: number;
  /** The strategy's update step when it sampled this proposal. */
  readonly policyVersion: number;
}

/**
 * A finished evaluation fed back to the strategy; may come from an older policy version.
 *
 * A trial an early-stopping rule stopped (PRUNED) is observed too, with `pruned: true` and
 * as reward the objective where it was stopped (at its last rung, for ASHA): a value
 * measured on less training than a completed trial's. What each strategy makes of it:
 * `random` nothing; `evolution` lets it join the population with that reward (it tends to
 * lose tournaments, as it should); `reinforce` and `mcts` learn from that reward as from any
 * other (it is low, so the policy or the tree turns away from it); `tpe` ranks it after
 * every completed trial when it splits the history into good and bad (as Optuna does), so
 * a pruned trial joins the good density only while too few trials have completed.
 */
export interface Observation {
  readonly actions: Actions;
  readonly reward: number;
  readonly policyVersion: number;
  /** The trial was stopped early; `reward` is its objective at that point. Absent means false. */
  readonly pruned?: boolean;
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
 * an older policy version; observations in one call or split across several leave the same
 * state); `snapshot()` whenever the state must survive a crash;
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
