/**
 * What `graphnas run` prints, the same whether the experiment runs in this process or on
 * a service it follows (`--url`): a header, a progress bar as trials finish, then the end
 * and the leaderboard.
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

function bar(fraction: number, width = 28): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function seconds(value: number): string {
  return value >= 90 ? `${Math.floor(value / 60)}m${Math.round(value % 60)}s` : `${value.toFixed(value < 10 ? 1 : 0)}s`;
}

/**
 * On a terminal the bar redraws in place; in a log or a pipe it prints a line per tenth
 * of the budget, so the output stays short.
 */
export class RunProgress {
  private readonly started = Date.now();
  private readonly tty: boolean;
  private lastDecile = -1;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly maxTrials: number,
  ) {
    this.tty = out.isTTY === true;
  }

  header(h: RunHeader): void {
    this.out.write(`experiment ${h.experimentId}: ${h.strategy} on ${h.spaceName} (${h.cardinality} architectures), ${h.evaluator} evaluator, seed ${h.seed}\n`);
  }

  /** `finished`: evaluations with an outcome so far; `best`: the best reward so far. */
  update(finished: number, best: number | null): void {
    const fraction = finished / this.maxTrials;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = finished > 0 ? (elapsed / finished) * (this.maxTrials - finished) : NaN;
    const line = `${bar(fraction)} ${finished}/${this.maxTrials} trials · best ${best?.toFixed(3) ?? '—'} · ${seconds(elapsed)} elapsed${Number.isFinite(eta) ? ` · ETA ${seconds(eta)}` : ''}`;
    if (this.tty) {
      this.out.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else if (Math.floor(fraction * 10) > this.lastDecile) {
      this.lastDecile = Math.floor(fraction * 10);
      this.out.write(`${line}\n`);
    }
  }

  summary(s: RunSummary): void {
    if (this.shown) this.out.write('\n');
    this.out.write(`\n${s.status} (${s.endReason ?? 'no end reason'}) after ${seconds((Date.now() - this.started) / 1000)}\n\nleaderboard (${s.metric}, ${s.direction.toLowerCase()}):\n`);
    this.out.write(`  rank  trial  reward    architecture\n`);
    s.leaderboard.forEach((t, i) =>
      this.out.write(`  ${String(i + 1).padStart(4)}  ${String(t.sequence).padStart(5)}  ${(t.reward?.toFixed(3) ?? '—').padStart(8)}  ${t.label}\n`),
    );
    if (s.leaderboard[0]) this.out.write(`\nbest: ${s.leaderboard[0].label}\n`);
  }
}
