import type { ObjectiveDirection } from '../storage/records.js';

/**
 * Options of the asynchronous successive-halving rule (ASHA: Li et al., "A System for
 * Massively Parallel Hyperparameter Tuning", MLSys 2020), shaped as Optuna's
 * `SuccessiveHalvingPruner`.
 */
export interface AshaRule {
  readonly type: 'asha';
  /** The intermediate metric compared, e.g. `val_accuracy`. */
  readonly metric: string;
  /** r: the resource (steps, i.e. epochs) of the first rung; an integer ≥ 1. */
  readonly minResource: number;
  /** η: rung k sits at r·η^(s+k) steps, and a trial goes on past it only in the top 1/η there; an integer ≥ 2. */
  readonly reductionFactor: number;
  /** s: the first s rungs are skipped (Optuna's min_early_stopping_rate). Default 0. */
  readonly minEarlyStoppingRate?: number;
  /** Other trials that must have recorded a rung before any trial is stopped at it. Default 0. */
  readonly minTrials?: number;
}

export interface AshaDecision {
  readonly stop: boolean;
  /** Said to the user (the trial's `error` field) when the trial is stopped, and recorded either way. */
  readonly reason: string;
  /** The rung `step` is (0 = the first), or null when it is none and the rule did not look. */
  readonly rung: number | null;
}

export interface AshaIssue {
  readonly path: string;
  readonly message: string;
}

/** What is wrong with a rule's options, as paths relative to the rule object (none when it is valid). */
export function ashaRuleIssues(rule: AshaRule): AshaIssue[] {
  const issues: AshaIssue[] = [];
  const integer = (path: keyof AshaRule, value: unknown, min: number): void => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) issues.push({ path, message: `must be an integer ≥ ${min}, got ${JSON.stringify(value)}` });
  };
  if (typeof rule.metric !== 'string' || rule.metric.length === 0) issues.push({ path: 'metric', message: 'must be a metric name' });
  integer('minResource', rule.minResource, 1);
  integer('reductionFactor', rule.reductionFactor, 2);
  if (rule.minEarlyStoppingRate !== undefined) integer('minEarlyStoppingRate', rule.minEarlyStoppingRate, 0);
  if (rule.minTrials !== undefined) integer('minTrials', rule.minTrials, 0);
  return issues;
}

/** The step at which rung `rung` is judged: r·η^(s + rung). */
export function ashaRungStep(rule: AshaRule, rung: number): number {
  return rule.minResource * rule.reductionFactor ** ((rule.minEarlyStoppingRate ?? 0) + rung);
}

/** The rung judged at `step`, or null when `step` is not one (the rule acts only there). */
export function ashaRungAt(rule: AshaRule, step: number): number | null {
  const issues = ashaRuleIssues(rule);
  // η < 2 or r < 1 would never pass `step`: refuse rather than loop.
  if (issues.length > 0) throw new RangeError(`invalid ASHA rule: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
  for (let rung = 0; ; rung++) {
    const at = ashaRungStep(rule, rung);
    if (at === step) return rung;
    if (at > step) return null;
  }
}

/**
 * The ASHA rule as a stopping rule, the way Optuna applies it: at the step of rung k, a
 * trial goes on only if its value there ranks in the top ⌊n/η⌋ of the n values recorded
 * at that rung (its own included: every trial that reached the rung, whether it is still
 * running, completed or was stopped there); while n < η that is the top one, so a
 * trial goes on only if it is the best at the rung so far. The first rung's trials are
 * therefore judged against few others; `minTrials` holds the rule off a rung until that
 * many others have recorded it. Unlike the paper's ASHA, a trial that is not promoted is
 * stopped, not paused to be promoted later: trials here cannot be resumed.
 *
 * Pure: the caller records the value at the rung (so later trials compete with it) and,
 * when the answer is stop, ends the trial as PRUNED with the objective at that rung as its
 * reward; how each strategy treats such a reward is set out on `Observation` in
 * src/strategies/strategy.ts.
 *
 * @param value the trial's value of `rule.metric` at `step`
 * @param atRung the values other trials recorded at this rung's step
 */
export function ashaRule(rule: AshaRule, direction: ObjectiveDirection, step: number, value: number, atRung: readonly number[]): AshaDecision {
  const rung = ashaRungAt(rule, step);
  if (rung === null) return { stop: false, reason: `step ${step} is not an ASHA rung (rungs at ${rungList(rule, step)})`, rung };
  const where = `ASHA rung ${rung} (step ${step})`;
  if (!Number.isFinite(value)) return { stop: true, reason: `${where}: ${rule.metric} is ${value}`, rung };
  const minTrials = rule.minTrials ?? 0;
  if (atRung.length < minTrials) {
    return { stop: false, reason: `${where}: ${atRung.length} other trials recorded ${rule.metric} here; the rule needs ${minTrials}`, rung };
  }
  const competing = [...atRung, value].sort((a, b) => (direction === 'MAXIMIZE' ? b - a : a - b));
  const promoted = Math.max(1, Math.floor(competing.length / rule.reductionFactor));
  const threshold = competing[promoted - 1]!;
  const goesOn = direction === 'MAXIMIZE' ? value >= threshold : value <= threshold;
  const bound = direction === 'MAXIMIZE' ? '≥' : '≤';
  return {
    stop: !goesOn,
    reason:
      `${where}: ${rule.metric} ${value.toPrecision(4)} is ${goesOn ? '' : 'not '}in the top ${promoted} of ${competing.length} trials at this rung ` +
      `(1/${rule.reductionFactor}; needs ${bound} ${threshold.toPrecision(4)})`,
    rung,
  };
}

function rungList(rule: AshaRule, upTo: number): string {
  const steps: number[] = [];
  for (let rung = 0; steps.length < 4; rung++) {
    const at = ashaRungStep(rule, rung);
    steps.push(at);
    if (at > upTo) break;
  }
  return `${steps.join(', ')}, …`;
}
