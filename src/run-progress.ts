import { describeOutcomes, TrialOutcomes, type OutcomeSummary, type TrialOutcome } from './commands/trial-outcomes.js';
import { seconds } from './commands/text.js';

/**
 * What `graphnas run` prints, the same whether the experiment runs in this process or on
 * a service it follows (`--url`): a header; a progress bar as trials finish, with the
 * epoch each running trial has reached; then the end, what trained the trials, why
 * trials failed or were pruned, and the leaderboard.
 */

export interface RunHeader {
  readonly experimentId: string;
  readonly strategy: string;
  readonly spaceName: string;
  readonly cardinality: string;
  readonly evaluator: string;
  readonly seed: number;
}

export interface RunSummary {
  readonly status: string;
  readonly endReason: string | null;
  readonly metric: string;
  readonly direction: 'MAXIMIZE' | 'MINIMIZE';
  /** Best first. */
  readonly leaderboard: readonly { readonly sequence: number; readonly reward: number | null; readonly label: string }[];
}

/** A trial's state change, as the local event bus and the `trialUpdated` subscription deliver it. */
export interface TrialUpdate extends TrialOutcome {
  readonly reward: number | null;
  /** Set once the trial has an outcome. */
  readonly finishedAt: unknown;
}

/** A learning-curve point (`trialMetricReported`). */
export interface MetricPoint {
  readonly trialId: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

export interface RunProgressOptions {
  /** The objective's direction, for the best reward so far. */
  readonly direction: 'MAXIMIZE' | 'MINIMIZE';
  /** The learning-curve metric to show for running trials (the early-stopping one, say); absent: the first reported. */
  readonly curveMetric?: string | null;
  /** Epochs each trial trains, when the evaluator's options say. */
  readonly epochs?: number | null;
}

function bar(fraction: number, width = 28): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** Without a terminal, a line about the running trials when one reached a new epoch, at most this often… */
const NEWS_MS = 5_000;
/** …and, while trials run, at least this often, so a log shows the run is alive. */
const HEARTBEAT_MS = 30_000;
/** On a terminal, the status line redraws at most this often. */
const REDRAW_MS = 250;

interface RunningTrial {
  sequence: number | null;
  step: number | null;
  /** The latest value of each metric at `step`. */
  values: Map<string, number>;
}

/**
 * On a terminal the status line redraws in place; in a log or a pipe it prints a line per
 * tenth of the budget, plus the running trials' epochs now and then, so the output stays
 * short.
 */
export class RunProgress {
  private readonly started = Date.now();
  private readonly tty: boolean;
  private readonly outcomes = new TrialOutcomes();
  /** Evaluations with an outcome, by id: replayed events count once. */
  private readonly finished = new Set<string>();
  private readonly running = new Map<string, RunningTrial>();
  private best: number | null = null;
  private lastDecile = -1;
  private lastLine = Number.NEGATIVE_INFINITY;
  /** Something to show that the last line did not. */
  private dirty = false;
  private news = false;
  private shown = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly maxTrials: number,
    private readonly options: RunProgressOptions,
  ) {
    this.tty = out.isTTY === true;
  }

  header(h: RunHeader): void {
    this.out.write(`experiment ${h.experimentId}: ${h.strategy} on ${h.spaceName} (${h.cardinality} architectures), ${h.evaluator} evaluator, seed ${h.seed}\n`);
    this.timer = setInterval(() => this.tick(), this.tty ? REDRAW_MS : 1_000);
    this.timer.unref();
  }

  trial(t: TrialUpdate): void {
    if (t.status === 'RUNNING') {
      const known = this.running.get(t.id);
      if (known) known.sequence = t.sequence;
      else if (!this.finished.has(t.id)) this.running.set(t.id, { sequence: t.sequence, step: null, values: new Map() });
      this.dirty = true;
      return;
    }
    if (t.status === 'PENDING') {
      // Back in the queue (a lost lease): its curve starts again when it runs again.
      this.running.delete(t.id);
      return;
    }
    this.running.delete(t.id);
    this.dirty = true;
    // Evaluations with an outcome: no answered duplicates, no cancellations.
    if (t.finishedAt === null || t.duplicateOfId !== null || t.status === 'CANCELLED' || this.finished.has(t.id)) return;
    this.finished.add(t.id);
    this.outcomes.record(t);
    if (t.reward !== null && (this.best === null || (this.options.direction === 'MAXIMIZE' ? t.reward > this.best : t.reward < this.best))) this.best = t.reward;
    const fraction = this.finished.size / this.maxTrials;
    if (!this.tty && Math.floor(fraction * 10) > this.lastDecile) {
      this.lastDecile = Math.floor(fraction * 10);
      this.line(this.progressText());
    }
  }

  metric(m: MetricPoint): void {
    if (this.finished.has(m.trialId)) return;
    let trial = this.running.get(m.trialId);
    // The metric streams and the trial streams of a service are separate: a point may come first.
    if (!trial) this.running.set(m.trialId, (trial = { sequence: null, step: null, values: new Map() }));
    if (trial.step === null || m.step > trial.step) {
      trial.step = m.step;
      trial.values.clear();
      this.news = true;
    }
    if (m.step === trial.step) trial.values.set(m.name, m.value);
    this.dirty = true;
  }

  /** What the trials came to so far. */
  summaryOfOutcomes(): OutcomeSummary {
    return this.outcomes.summary();
  }

  summary(s: RunSummary, evaluator: string): void {
    this.close();
    if (this.shown) this.out.write('\n');
    this.out.write(`\n${s.status} (${s.endReason ?? 'no end reason'}) after ${seconds((Date.now() - this.started) / 1000)}\n`);
    for (const line of describeOutcomes(this.outcomes.summary(), evaluator)) this.out.write(`${line}\n`);
    if (s.leaderboard.length === 0) {
      this.out.write(`\nno leaderboard: no trial finished with a reward\n`);
      return;
    }
    this.out.write(`\nleaderboard (${s.metric}, ${s.direction.toLowerCase()}):\n`);
    this.out.write(`  rank  trial  reward    architecture\n`);
    s.leaderboard.forEach((t, i) =>
      this.out.write(`  ${String(i + 1).padStart(4)}  ${String(t.sequence).padStart(5)}  ${(t.reward?.toFixed(3) ?? '—').padStart(8)}  ${t.label}\n`),
    );
    if (s.leaderboard[0]) this.out.write(`\nbest: ${s.leaderboard[0].label}\n`);
  }

  /** Stops the timer; the summary calls it, and so must a run that ends in an error. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = Date.now();
    if (this.tty) {
      if (!this.dirty) return;
      this.dirty = false;
      const text = [this.progressText(), this.runningText()].filter((part) => part !== '').join(' · ');
      const width = (this.out.columns ?? 120) - 1;
      this.out.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
      this.shown = true;
      return;
    }
    if (this.running.size === 0) return;
    if ((this.news && now - this.lastLine >= NEWS_MS) || now - this.lastLine >= HEARTBEAT_MS) {
      this.news = false;
      this.line(`  ${seconds((now - this.started) / 1000)} elapsed, ${this.finished.size}/${this.maxTrials} trials · ${this.runningText()}`);
    }
  }

  private line(text: string): void {
    this.out.write(`${text}\n`);
    this.lastLine = Date.now();
  }

  private progressText(): string {
    const finished = this.finished.size;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = finished > 0 ? (elapsed / finished) * Math.max(0, this.maxTrials - finished) : NaN;
    return `${bar(finished / this.maxTrials)} ${finished}/${this.maxTrials} trials · best ${this.best?.toFixed(3) ?? '—'} · ${seconds(elapsed)} elapsed${Number.isFinite(eta) ? ` · ETA ${seconds(eta)}` : ''}`;
  }

  /** `running: trial 4 epoch 2/3 val_accuracy 0.712, trial 5 starting`, by sequence. */
  private runningText(): string {
    if (this.running.size === 0) return '';
    const parts = [...this.running.values()]
      .sort((a, b) => (a.sequence ?? Infinity) - (b.sequence ?? Infinity))
      .map((t) => {
        const name = t.sequence === null ? 'a trial' : `trial ${t.sequence}`;
        if (t.step === null) return `${name} starting`;
        const metric = (this.options.curveMetric && t.values.has(this.options.curveMetric) ? this.options.curveMetric : null) ?? t.values.keys().next().value;
        const value = metric === undefined ? undefined : t.values.get(metric);
        return `${name} epoch ${t.step}${this.options.epochs ? `/${this.options.epochs}` : ''}${metric !== undefined && value !== undefined ? ` ${metric} ${value.toFixed(3)}` : ''}`;
      });
    return `running: ${parts.join(', ')}`;
  }
}
