/**
 * What the inspection commands print with `--json`: the API's own field names and
 * shapes (a GraphQL answer is one of these as it comes), so that a script reads the
 * same JSON whether the command went through a service or opened the store.
 */

export interface PageView<T> {
  readonly totalCount: number;
  readonly hasNextPage: boolean;
  /** Pass as `--after` for the next page; null on an empty page. */
  readonly endCursor: string | null;
  readonly items: readonly T[];
}

export interface TrialCountsView {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pruned: number;
  readonly cancelled: number;
  readonly total: number;
  readonly duplicates: number;
}

export interface ProgressView {
  readonly finishedEvaluations: number;
  readonly maxTrials: number;
  readonly fraction: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number | null;
}

export interface RuntimeView {
  readonly backend: string;
  readonly adapter: string | null;
}

export interface TrialView {
  readonly id: string;
  readonly sequence: number;
  readonly status: string;
  readonly reward: number | null;
  /** The architecture in its own notation (NAS-Bench-201 cells in the benchmark's string form). */
  readonly label: string;
  readonly duplicateOfId: string | null;
  readonly error: string | null;
  readonly finalMetrics: Readonly<Record<string, unknown>>;
  readonly runtime: RuntimeView | null;
  readonly params: number | null;
  readonly flops: number | null;
  readonly latencyMs: number | null;
  readonly attempt: number;
  readonly workerId: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface ExperimentRow {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly status: string;
  readonly endReason: string | null;
  readonly strategy: { readonly type: string };
  readonly evaluator: { readonly type: string };
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly progress: ProgressView;
  readonly trialCounts: TrialCountsView;
  readonly bestTrial: { readonly sequence: number; readonly reward: number | null; readonly label: string } | null;
}

export interface ExperimentDetail {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly description: string | null;
  readonly status: string;
  readonly endReason: string | null;
  readonly seed: number;
  readonly strategy: { readonly type: string; readonly hyperparameters: Readonly<Record<string, unknown>> };
  readonly evaluator: { readonly type: string; readonly options: Readonly<Record<string, unknown>> };
  readonly objective: { readonly metric: string; readonly direction: 'MAXIMIZE' | 'MINIMIZE'; readonly goal: number | null };
  readonly budget: { readonly maxTrials: number; readonly parallelTrials: number; readonly maxFailedTrials: number; readonly maxDurationSeconds: number | null };
  readonly earlyStopping: { readonly type: string; readonly metric: string } | null;
  readonly searchSpace: { readonly id: string; readonly name: string; readonly kind: string; readonly cardinality: string };
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly progress: ProgressView;
  readonly trialCounts: TrialCountsView;
  readonly bestTrial: (TrialView & { readonly architecture: unknown }) | null;
  /** Best first. */
  readonly leaderboard: readonly TrialView[];
  /** The experiment's latest event: `watch --after` it to miss nothing from here on. */
  readonly eventId: number;
}

export interface MetricView {
  readonly trialId: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

export interface PolicyView {
  readonly step: number;
  readonly baseline: number | null;
  readonly meanReward: number | null;
  readonly entropy: number | null;
  readonly observedTrials: number;
}

/** One event of `graphnas watch`, in the order of the experiment's event ids. */
export type WatchEvent =
  | { readonly eventId: number; readonly topic: 'experiment'; readonly experiment: { readonly id: string; readonly status: string; readonly endReason: string | null } }
  | { readonly eventId: number; readonly topic: 'trial'; readonly trial: TrialView }
  | { readonly eventId: number; readonly topic: 'metric'; readonly metric: MetricView }
  | { readonly eventId: number; readonly topic: 'policy'; readonly policy: PolicyView };

export interface ExperimentQuery {
  readonly statuses: readonly string[] | null;
  readonly nameContains: string | null;
  readonly first: number;
  readonly after: string | null;
}

export interface TrialQuery {
  readonly statuses: readonly string[] | null;
  readonly order: string;
  readonly duplicates: 'INCLUDE' | 'EXCLUDE' | 'ONLY';
  readonly first: number;
  readonly after: string | null;
}

export interface WatchStart {
  readonly id: string;
  readonly status: string;
  readonly endReason: string | null;
  readonly finished: boolean;
  /** Its latest event when it was read. */
  readonly eventId: number;
}

/** How a watch ended. */
export interface WatchEnd {
  /** The experiment's status when the watch ended. */
  readonly status: string;
  readonly endReason: string | null;
  /** Set when the watch ended without the experiment finishing, and why. */
  readonly note: string | null;
  /** The last event id delivered: `--after` it to go on. */
  readonly cursor: number;
}

/**
 * The inspection operations, the same whether they go through a running service
 * (src/remote/inspect.ts) or open the store (src/commands/store-backend.ts).
 */
export interface InspectBackend {
  listExperiments(query: ExperimentQuery): Promise<PageView<ExperimentRow>>;
  /** NOT_FOUND for an id the caller cannot see. */
  experiment(id: string, top: number): Promise<ExperimentDetail>;
  trials(experimentId: string, query: TrialQuery): Promise<PageView<TrialView>>;
  /**
   * Delivers the experiment's events with ids above `after`, in order, until it has
   * finished (or, on a store nobody runs, until its log is read). `start` is the
   * experiment as read just before: whether it had finished, and its latest event.
   */
  watch(start: WatchStart, after: number, onEvent: (event: WatchEvent) => void): Promise<WatchEnd>;
  close(): Promise<void>;
}
