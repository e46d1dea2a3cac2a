import { ApiError, type Api } from '../api/client.js';
import {
  CURVE_TRIALS,
  EXPERIMENT,
  EXPERIMENT_UPDATED,
  METRIC_REPORTED,
  PAGE,
  POLICY_HISTORY,
  POLICY_LIMIT,
  POLICY_UPDATED,
  RECENT_CURVES,
  TRIAL_POINTS,
  TRIAL_UPDATED,
  type ExperimentData,
  type ExperimentDetail,
  type ExperimentUpdatedData,
  type MetricPoint,
  type MetricReportedData,
  type ReportedMetric,
  type PolicyHistoryData,
  type PolicyPoint,
  type PolicyUpdatedData,
  type RecentCurvesData,
  type TrialPoint,
  type TrialPointsData,
  type TrialRow,
  type TrialStatus,
  type TrialUpdatedData,
} from '../api/documents.js';
import { Store } from './store.js';
import { TrialSet } from './trial-set.js';


export interface CurveTrial {
  readonly id: string;
  readonly sequence: number;
  status: TrialStatus;
  /** name → step → value */
  readonly points: Map<string, Map<number, number>>;
}

export interface LiveView {
  readonly trials: readonly TrialPoint[];
  readonly policy: readonly PolicyPoint[];
  readonly curves: readonly CurveTrial[];
}

/**
 * Everything an experiment's page shows, kept current: the experiment, all its trials
 * (small records, paged in 500 at a time), the newest trials' learning curves and the
 * controller's history. Queried once, then followed through four subscriptions; queried
 * again after every reconnect, since events sent while the socket was down are not
 * replayed. Views read it through `version`, which moves on every change.
 */
export class ExperimentLive {
  readonly experiment = new Store<ExperimentDetail | null>(null);
  readonly error = new Store<ApiError | null>(null);
  readonly trials = new TrialSet();
  /** Trials loaded of the total, while the first pages arrive. */
  readonly loading = new Store<{ loaded: number; total: number } | null>(null);
  readonly curves = new Map<string, CurveTrial>();
  policy: PolicyPoint[] = [];
  /** Moves on every change of trials, curves or policy. */
  readonly version = new Store(0);
  private cachedView: LiveView | null = null;
  private readonly trialListeners = new Set<(trial: TrialRow) => void>();
  private readonly stops: (() => void)[] = [];
  private generation = 0;
  private disposed = false;

  constructor(
    private readonly api: Api,
    readonly id: string,
  ) {}

  start(): void {
    const vars = { id: this.id };
    this.stops.push(
      this.api.subscribe<ExperimentUpdatedData>(EXPERIMENT_UPDATED, vars, (d) => {
        const known = this.experiment.get();
        const update = d.experimentUpdated;
        // The event carries the summary's fields; the detail's own (hyperparameters, options) stay.
        if (known !== null && Date.parse(update.updatedAt) >= Date.parse(known.updatedAt)) {
          this.experiment.set({ ...known, ...update, strategy: { ...known.strategy, ...update.strategy }, evaluator: { ...known.evaluator, ...update.evaluator } });
        }
      }),
      this.api.subscribe<TrialUpdatedData>(TRIAL_UPDATED, { experimentId: this.id }, (d) => this.onTrial(d.trialUpdated)),
      this.api.subscribe<MetricReportedData>(METRIC_REPORTED, { experimentId: this.id, trialId: null }, (d) => this.onMetric(d.trialMetricReported)),
      this.api.subscribe<PolicyUpdatedData>(POLICY_UPDATED, { experimentId: this.id }, (d) => this.onPolicy(d.policyUpdated)),
      this.api.onReconnect(() => void this.load()),
    );
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
    this.stops.forEach((stop) => stop());
    this.trialListeners.clear();
  }

  /** The state as of the last change, the same object until the next one (views compare by identity). */
  view(): LiveView {
    this.cachedView ??= { trials: this.trials.all(), policy: [...this.policy], curves: [...this.curves.values()] };
    return this.cachedView;
  }

  /** Every trial event, for views that keep their own page of trials (the table, the failures). */
  onTrialEvent(listener: (trial: TrialRow) => void): () => void {
    this.trialListeners.add(listener);
    return () => this.trialListeners.delete(listener);
  }

  /** (Re)reads the whole state; a newer load supersedes an older one still in flight. */
  async load(): Promise<void> {
    const generation = ++this.generation;
    const current = (): boolean => !this.disposed && generation === this.generation;
    try {
      const [detail, policy, curves] = await Promise.all([
        this.api.query<ExperimentData>(EXPERIMENT, { id: this.id }),
        this.api.query<PolicyHistoryData>(POLICY_HISTORY, { id: this.id, limit: POLICY_LIMIT }),
        this.api.query<RecentCurvesData>(RECENT_CURVES, { id: this.id, first: CURVE_TRIALS }),
      ]);
      if (!current()) return;
      if (detail.experiment === null) {
        this.error.set(new ApiError('no such experiment (deleted, or in a project your key cannot see)', 'NOT_FOUND', []));
        return;
      }
      this.error.set(null);
      this.experiment.set(detail.experiment);
      this.policy = [...(policy.experiment?.policyHistory ?? [])];
      for (const { node } of curves.experiment?.trials.edges ?? []) {
        const curve = this.curve(node.id, node.sequence);
        curve.status = node.status;
        for (const point of node.metrics) this.addPoint(curve, point);
      }
      this.pruneCurves();
      this.bump();
      let after: string | null = null;
      let loaded = 0;
      for (;;) {
        const page: TrialPointsData = await this.api.query<TrialPointsData>(TRIAL_POINTS, { id: this.id, first: PAGE, after });
        if (!current() || page.experiment === null) return;
        const { edges, pageInfo, totalCount } = page.experiment.trials;
        for (const { node } of edges) this.trials.merge(node);
        loaded += edges.length;
        this.loading.set(pageInfo.hasNextPage ? { loaded, total: totalCount } : null);
        this.bump();
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
    } catch (error) {
      // A failed read while the server is away is retried by the reconnect; say so meanwhile.
      if (current()) this.error.set(error instanceof ApiError ? error : new ApiError(String(error), 'ERROR', []));
    }
  }

  private onTrial(trial: TrialRow): void {
    // trialUpdated delivers the finalists too: the search's table and charts keep to the search (the finalists view follows them).
    if (trial.stage === 'FINAL') return;
    this.trials.merge(trial);
    const curve = this.curves.get(trial.id);
    if (curve !== undefined) curve.status = trial.status;
    else if (trial.status === 'RUNNING' && trial.duplicateOfId === null) {
      this.curve(trial.id, trial.sequence);
      this.pruneCurves();
    }
    this.trialListeners.forEach((listener) => listener(trial));
    this.bump();
  }

  private onMetric(point: ReportedMetric): void {
    if (point.stage === 'FINAL') return;
    const known = this.trials.get(point.trialId);
    const curve = this.curves.get(point.trialId) ?? this.curve(point.trialId, known?.sequence ?? 0);
    this.addPoint(curve, point);
    this.pruneCurves();
    this.bump();
  }

  private onPolicy(point: PolicyPoint): void {
    const last = this.policy.at(-1);
    // One row per step: a step saved again replaces its point.
    if (last !== undefined && last.step === point.step) this.policy[this.policy.length - 1] = point;
    else if (last === undefined || point.step > last.step) this.policy.push(point);
    this.bump();
  }

  private curve(id: string, sequence: number): CurveTrial {
    let curve = this.curves.get(id);
    if (curve === undefined) {
      curve = { id, sequence, status: 'RUNNING', points: new Map() };
      this.curves.set(id, curve);
    }
    return curve;
  }

  private addPoint(curve: CurveTrial, point: MetricPoint): void {
    let steps = curve.points.get(point.name);
    if (steps === undefined) curve.points.set(point.name, (steps = new Map()));
    steps.set(point.step, point.value);
  }

  /** Keeps the newest CURVE_TRIALS trials, so an hour-long search does not grow the page without bound. */
  private pruneCurves(): void {
    if (this.curves.size <= CURVE_TRIALS) return;
    const newest = [...this.curves.values()].sort((a, b) => b.sequence - a.sequence).slice(0, CURVE_TRIALS);
    const keep = new Set(newest.map((c) => c.id));
    for (const id of [...this.curves.keys()]) if (!keep.has(id)) this.curves.delete(id);
  }

  private bump(): void {
    this.cachedView = null;
    this.version.set(this.version.get() + 1);
  }
}
