import { ApiError, type Api } from '../api/client.js';
import {
  EXPERIMENT_EVENT,
  FINAL_CURVE_METRIC,
  FINAL_CURVES,
  FINAL_TRIAL_UPDATED,
  FINALIZATION,
  FINALIZATION_UPDATED,
  METRIC_REPORTED,
  type ExperimentEventData,
  type FinalCurvesData,
  type Finalization,
  type FinalizationData,
  type FinalizationUpdatedData,
  type FinalTrialUpdatedData,
  type MetricReportedData,
} from '../api/documents.js';
import { mergeFinalization, withReplicate } from './finalization.js';
import { Store } from './store.js';

/** At most one re-read of the finalization per this many ms while its trials report. */
const REFRESH_MS = 500;

/**
 * An experiment's finalization kept current: the current round with its finalists and
 * winner, and the finalists' learning curves. It starts from `experiment.eventId` and
 * follows finalizationUpdated `after` it, so nothing between the query and the
 * subscription is lost; once a finalization exists it also follows the FINAL trials
 * (trialUpdated) and their curve points (trialMetricReported) after the event that
 * announced it. Every resubscription resumes after the last event delivered (Api.follow),
 * so a restart or a dropped socket needs no re-query. A replicate's state shows at once;
 * the statistics the server derives from them (means, winner, Spearman) are read again,
 * at most every REFRESH_MS.
 */
export class FinalistsLive {
  readonly finalization = new Store<Finalization | null>(null);
  /** False until the first answer. */
  readonly loaded = new Store(false);
  readonly error = new Store<ApiError | null>(null);
  /** trial id → step → value of FINAL_CURVE_METRIC; a new map on every change. */
  readonly curves = new Store<ReadonlyMap<string, ReadonlyMap<number, number>>>(new Map());
  private readonly stops: (() => void)[] = [];
  private streaming = false;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private started = false;
  private disposed = false;

  constructor(
    private readonly api: Api,
    readonly id: string,
  ) {}

  start(): void {
    // A first read that failed while the server was away is tried again when the socket is back.
    this.stops.push(this.api.onReconnect(() => !this.started && void this.load()));
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
    this.stops.forEach((stop) => stop());
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
  }

  /** What a mutation answered (finalize, cancel): shown at once, before its event. */
  apply(finalization: Finalization): void {
    this.finalization.set(mergeFinalization(this.finalization.get(), finalization));
  }

  private fail(error: unknown): void {
    if (!this.disposed) this.error.set(error instanceof ApiError ? error : new ApiError(String(error), 'ERROR', []));
  }

  private async load(): Promise<void> {
    try {
      const head = await this.api.query<ExperimentEventData>(EXPERIMENT_EVENT, { id: this.id });
      if (this.disposed || this.started || head.experiment === null) return;
      this.started = true;
      const after = head.experiment.eventId;
      this.stops.push(
        this.api.follow<FinalizationUpdatedData>(
          FINALIZATION_UPDATED,
          { experimentId: this.id },
          after,
          (d) => d.finalizationUpdated.eventId,
          (d) => {
            this.apply(d.finalizationUpdated);
            this.stream(d.finalizationUpdated.eventId ?? after);
          },
          (e) => this.fail(e),
        ),
      );
      const state = await this.api.query<FinalizationData>(FINALIZATION, { id: this.id });
      if (this.disposed) return;
      const finalization = state.experiment?.finalization ?? null;
      if (finalization !== null) {
        this.apply(finalization);
        this.stream(after);
      }
      this.loaded.set(true);
      this.error.set(null);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Follows the finalists' trials and curves after `after`, once: the finalization that
   * was read (after the id read before it) or announced (after its own event, which
   * carries the trials it created).
   */
  private stream(after: number): void {
    if (this.streaming || this.disposed) return;
    this.streaming = true;
    this.stops.push(
      this.api.follow<FinalTrialUpdatedData>(
        FINAL_TRIAL_UPDATED,
        { experimentId: this.id },
        after,
        (d) => d.trialUpdated.eventId,
        (d) => this.onTrial(d.trialUpdated),
        (e) => this.fail(e),
      ),
      this.api.follow<MetricReportedData>(
        METRIC_REPORTED,
        { experimentId: this.id, trialId: null },
        after,
        (d) => d.trialMetricReported.eventId,
        (d) => {
          const p = d.trialMetricReported;
          if (p.stage === 'FINAL' && p.name === FINAL_CURVE_METRIC) this.addPoints([p]);
        },
        (e) => this.fail(e),
      ),
    );
    // The points reported before `after` (a page opened while the finalists train).
    this.api
      .query<FinalCurvesData>(FINAL_CURVES, { id: this.id, metric: FINAL_CURVE_METRIC })
      .then((d) => this.addPoints((d.experiment?.finalization?.finalists ?? []).flatMap((f) => f.replicates.flatMap((r) => r.metrics))))
      .catch((e: unknown) => this.fail(e));
  }

  private onTrial(trial: FinalTrialUpdatedData['trialUpdated']): void {
    if (trial.stage !== 'FINAL') return;
    const known = this.finalization.get();
    const next = known === null ? null : withReplicate(known, trial);
    if (next !== null) this.finalization.set(next);
    // The finalist's statistics, the winner and Spearman's rho are the server's to compute.
    if (trial.status !== 'RUNNING') this.refresh();
  }

  private refresh(): void {
    this.refreshTimer ??= setTimeout(() => {
      this.refreshTimer = null;
      this.api
        .query<FinalizationData>(FINALIZATION, { id: this.id })
        .then((d) => {
          const f = d.experiment?.finalization ?? null;
          if (f !== null && !this.disposed) this.apply(f);
        })
        .catch((e: unknown) => this.fail(e));
    }, REFRESH_MS);
  }

  private addPoints(points: readonly { trialId: string; step: number; value: number }[]): void {
    if (points.length === 0 || this.disposed) return;
    const next = new Map(this.curves.get());
    for (const p of points) {
      const steps = new Map(next.get(p.trialId) ?? []);
      steps.set(p.step, p.value);
      next.set(p.trialId, steps);
    }
    this.curves.set(next);
  }
}
