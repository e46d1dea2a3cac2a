import { isBetter, strategyReward } from '../objective/objective.js';
import type { Objective, TrialRecord } from '../storage/records.js';
import { TrialStatus } from '../trials/trial-status.js';

/**
 * What a finalization found, computed from its trials alone (pure, so the API can show it
 * while finalists still train and a restart recomputes the same). The winner is chosen by
 * validation and never by test: the test split is reported, not selected on.
 */

/** Mean and sample standard deviation; `std` is null under two values. */
export interface Stat {
  readonly mean: number;
  readonly std: number | null;
  readonly n: number;
}

export interface FinalistInput {
  readonly proxy: TrialRecord;
  /** Its FINAL trials of the current round. */
  readonly replicates: readonly TrialRecord[];
}

export interface FinalistSummary {
  readonly proxyTrialId: string;
  /** 1 for the best proxy reward among the finalists. */
  readonly proxyRank: number;
  readonly proxyReward: number;
  /** The final objective value over the replicates that succeeded (the inherited ones when inheritance is on). */
  readonly validation: Stat | null;
  readonly test: Stat | null;
  /** Replicates still to finish, and those that failed. */
  readonly unfinished: number;
  readonly failed: number;
  /** The replicate with the best validation: the one whose model stands for the finalist. */
  readonly bestReplicateId: string | null;
}

/** Inherited minus cold start, paired by replicate index (the same seed). */
export interface InheritanceEffect {
  readonly validationGain: Stat | null;
  readonly testGain: Stat | null;
}

export interface FinalizationSummary {
  readonly finalists: readonly FinalistSummary[];
  readonly winner: FinalistSummary | null;
  /** Spearman's rho of the proxy reward against the final validation over the finalists: 1 means the proxy ranked them as the final training did. Null under two finalists with results. */
  readonly spearman: number | null;
  /** The same against the final test accuracy. */
  readonly spearmanTest: number | null;
  readonly inheritance: InheritanceEffect | null;
}

export const TEST_METRIC = 'test_accuracy';

export function stat(values: readonly number[]): Stat | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

/** Ranks from 1, ties sharing their mean rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[order[k]!.i] = rank;
    start = end + 1;
  }
  return out;
}

/** Spearman's rho (Pearson over ranks, so ties are handled); null under two pairs or when either side is constant. */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  if (xs.length !== ys.length || xs.length < 2) return null;
  const rx = ranks(xs);
  const ry = ranks(ys);
  const mx = rx.reduce((a, b) => a + b, 0) / rx.length;
  const my = ry.reduce((a, b) => a + b, 0) / ry.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

function testOf(t: TrialRecord): number | undefined {
  const v = t.finalMetrics[TEST_METRIC];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

const inherited = (t: TrialRecord): boolean => (t.final?.inheritFromSeed ?? null) !== null;

export function summarize(objective: Objective, finalists: readonly FinalistInput[], inheritWeights: boolean): FinalizationSummary {
  const { direction } = objective;
  const byProxy = [...finalists].sort((a, b) => (isBetter(direction, a.proxy.reward ?? NaN, b.proxy.reward ?? NaN) ? -1 : isBetter(direction, b.proxy.reward ?? NaN, a.proxy.reward ?? NaN) ? 1 : a.proxy.sequence - b.proxy.sequence));
  const gainsVal: number[] = [];
  const gainsTest: number[] = [];
  const summaries = byProxy.map((f, i): FinalistSummary => {
    const arm = f.replicates.filter((t) => inherited(t) === inheritWeights);
    const done = arm.filter((t) => t.status === TrialStatus.SUCCEEDED && t.reward !== null);
    const best = done.reduce<TrialRecord | null>((b, t) => (b === null || isBetter(direction, t.reward!, b.reward!) ? t : b), null);
    if (inheritWeights) {
      const cold = new Map(f.replicates.filter((t) => !inherited(t) && t.status === TrialStatus.SUCCEEDED).map((t) => [t.final?.replicate, t]));
      for (const t of done) {
        const c = cold.get(t.final?.replicate);
        if (c === undefined || c.reward === null) continue;
        gainsVal.push(strategyReward(objective, t.reward!) - strategyReward(objective, c.reward));
        const [a, b] = [testOf(t), testOf(c)];
        if (a !== undefined && b !== undefined) gainsTest.push(a - b);
      }
    }
    return {
      proxyTrialId: f.proxy.id,
      proxyRank: i + 1,
      proxyReward: f.proxy.reward ?? NaN,
      validation: stat(done.map((t) => t.reward!)),
      test: stat(done.flatMap((t) => testOf(t) ?? [])),
      unfinished: f.replicates.filter((t) => t.status === TrialStatus.PENDING || t.status === TrialStatus.RUNNING).length,
      failed: f.replicates.filter((t) => t.status === TrialStatus.FAILED).length,
      bestReplicateId: best?.id ?? null,
    };
  });
  const scored = summaries.filter((s) => s.validation !== null);
  const winner = scored.reduce<FinalistSummary | null>((w, s) => (w === null || isBetter(direction, s.validation!.mean, w.validation!.mean) ? s : w), null);
  // Both sides as "higher is better", so a positive rho reads "the proxy was right" whatever the direction.
  const proxyGood = (s: FinalistSummary): number => strategyReward(objective, s.proxyReward);
  const withTest = scored.filter((s) => s.test !== null);
  return {
    finalists: summaries,
    winner,
    spearman: spearman(scored.map(proxyGood), scored.map((s) => strategyReward(objective, s.validation!.mean))),
    spearmanTest: spearman(withTest.map(proxyGood), withTest.map((s) => s.test!.mean)),
    inheritance: inheritWeights ? { validationGain: stat(gainsVal), testGain: stat(gainsTest) } : null,
  };
}
