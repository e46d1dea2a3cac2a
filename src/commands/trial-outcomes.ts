/**
 * Why trials ended the way they did, said the same way by `graphnas run`, `experiments
 * show` and `watch`: the distinct errors of the failed trials, counted; the pruned trials
 * by the rule that stopped them (a pruned trial's `error` is the rule's reason, and ASHA
 * also records its rung in the final metrics); and what trained the trials.
 *
 * Only evaluations count: a duplicate answered from an earlier trial carries that trial's
 * outcome, and counting it would say the same failure twice.
 */

/** A trial as the CLI sees it, from the store or over the API alike. */
export interface TrialOutcome {
  readonly id: string;
  readonly sequence: number;
  readonly status: string;
  readonly error: string | null;
  readonly finalMetrics: Readonly<Record<string, unknown>>;
  readonly runtime: { readonly backend: string; readonly adapter: string | null } | null;
  readonly duplicateOfId: string | null;
}

export interface ErrorCount {
  /** The error's first line, shortened. */
  readonly message: string;
  readonly count: number;
  /** The first trial (by sequence) that failed with it. */
  readonly firstSequence: number;
}

export interface PruneRuleCount {
  /** `ASHA`, `median stopping rule`, or the reason's own first words for a rule this build does not know. */
  readonly rule: string;
  readonly count: number;
  /** Where it stopped them: `rung 0`, `step 2` … with how many at each, in order. */
  readonly at: readonly { readonly where: string; readonly count: number }[];
  /** One trial's reason in full, so the numbers behind the rule can be read. */
  readonly example: { readonly sequence: number; readonly reason: string };
}

export interface BackendCount {
  readonly backend: string;
  readonly adapter: string | null;
  readonly count: number;
}

export interface OutcomeSummary {
  /** Evaluations with a final outcome (succeeded, failed or pruned). */
  readonly finished: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errors: readonly ErrorCount[];
  readonly pruned: number;
  readonly pruneRules: readonly PruneRuleCount[];
  readonly backends: readonly BackendCount[];
  /** Succeeded evaluations that say nothing about what computed them (a table lookup, a worker that did not say). */
  readonly noRuntime: number;
}

const MESSAGE_LENGTH = 200;

/** One line of an error, short enough for a terminal; distinct messages are counted by this. */
export function errorLine(error: string): string {
  const first = error.trim().split('\n')[0]!.trim();
  return first.length > MESSAGE_LENGTH ? `${first.slice(0, MESSAGE_LENGTH - 1)}…` : first;
}

/** Which rule pruned a trial and where, from its reason (src/core/early-stopping) and final metrics. */
export function pruneRule(error: string | null, finalMetrics: Readonly<Record<string, unknown>>): { rule: string; where: string | null } {
  const reason = error ?? '';
  const asha = /^ASHA rung (\d+)/.exec(reason);
  if (asha) return { rule: 'ASHA', where: `rung ${typeof finalMetrics.pruned_rung === 'number' ? finalMetrics.pruned_rung : asha[1]}` };
  const median = /^median stopping rule\b.*\bby step (\d+)/.exec(reason);
  if (median) return { rule: 'median stopping rule', where: `step ${median[1]}` };
  const head = reason.split(':')[0]!.trim();
  return { rule: head === '' ? 'an unnamed rule' : errorLine(head), where: null };
}

export class TrialOutcomes {
  /** Finished evaluations by id: a trial seen twice (a replayed event, a query after the events) counts once. */
  private readonly trials = new Map<string, TrialOutcome>();

  record(trial: TrialOutcome): void {
    if (trial.duplicateOfId !== null) return;
    if (trial.status === 'SUCCEEDED' || trial.status === 'FAILED' || trial.status === 'PRUNED') this.trials.set(trial.id, trial);
  }

  summary(): OutcomeSummary {
    const trials = [...this.trials.values()].sort((a, b) => a.sequence - b.sequence);
    const errors = new Map<string, { count: number; firstSequence: number }>();
    const rules = new Map<string, { count: number; at: Map<string, number>; example: { sequence: number; reason: string } }>();
    const backends = new Map<string, BackendCount>();
    let failed = 0;
    let pruned = 0;
    let noRuntime = 0;
    for (const t of trials) {
      if (t.status === 'FAILED') {
        failed += 1;
        const message = errorLine(t.error ?? 'failed without an error message');
        const seen = errors.get(message);
        if (seen) seen.count += 1;
        else errors.set(message, { count: 1, firstSequence: t.sequence });
      } else if (t.status === 'PRUNED') {
        pruned += 1;
        const { rule, where } = pruneRule(t.error, t.finalMetrics);
        let entry = rules.get(rule);
        if (!entry) rules.set(rule, (entry = { count: 0, at: new Map(), example: { sequence: t.sequence, reason: t.error ?? '' } }));
        entry.count += 1;
        if (where !== null) entry.at.set(where, (entry.at.get(where) ?? 0) + 1);
      }
      // A failed or pruned trial without a runtime says nothing about what trained the
      // others (the core records a runtime with a completion only): counted only when it has one.
      if (t.runtime === null) noRuntime += t.status === 'SUCCEEDED' ? 1 : 0;
      else {
        const key = `${t.runtime.backend}\n${t.runtime.adapter ?? ''}`;
        const seen = backends.get(key);
        backends.set(key, { backend: t.runtime.backend, adapter: t.runtime.adapter, count: (seen?.count ?? 0) + 1 });
      }
    }
    const byCount = <T extends { count: number }>(a: T, b: T): number => b.count - a.count;
    return {
      finished: trials.length,
      succeeded: trials.length - failed - pruned,
      failed,
      errors: [...errors].map(([message, e]) => ({ message, ...e })).sort((a, b) => byCount(a, b) || a.firstSequence - b.firstSequence),
      pruned,
      pruneRules: [...rules]
        .map(([rule, r]) => ({
          rule,
          count: r.count,
          at: [...r.at].map(([where, count]) => ({ where, count })).sort((a, b) => a.where.localeCompare(b.where, 'en', { numeric: true })),
          example: r.example,
        }))
        .sort(byCount),
      backends: [...backends.values()].sort(byCount),
      noRuntime,
    };
  }
}

/** Distinct errors shown; the rest are counted in one line. */
const SHOWN_ERRORS = 5;

/**
 * The summary as lines of text. `evaluator` explains trials without a runtime: a table
 * lookup trains nothing, an external worker may not have said.
 */
export function describeOutcomes(s: OutcomeSummary, evaluator: string): string[] {
  const lines: string[] = [];
  if (s.finished === 0) return lines;
  const trained = s.backends.map((b) => `${b.backend}${b.adapter ? ` on ${b.adapter}` : ''} (${b.count})`);
  if (s.noRuntime > 0) {
    const why = evaluator === 'tabular' ? 'table lookups, nothing trained' : evaluator === 'external' ? 'external workers, not reported' : 'not recorded';
    trained.push(s.backends.length === 0 ? why : `${why} (${s.noRuntime})`);
  }
  if (trained.length > 0) lines.push(`evaluated by: ${trained.join(', ')}`);
  if (s.failed > 0) {
    lines.push(`failed: ${s.failed} of ${s.finished} evaluations`);
    for (const e of s.errors.slice(0, SHOWN_ERRORS)) lines.push(`  ${String(e.count).padStart(4)}× ${e.message} (first: trial ${e.firstSequence})`);
    const rest = s.errors.slice(SHOWN_ERRORS);
    if (rest.length > 0) lines.push(`  and ${rest.length} more distinct errors in ${rest.reduce((n, e) => n + e.count, 0)} trials`);
  }
  if (s.pruned > 0) {
    const rules = s.pruneRules.map((r) => `${r.rule} ${r.count}${r.at.length ? ` (${r.at.map((a) => `${a.where}: ${a.count}`).join(', ')})` : ''}`);
    lines.push(`pruned: ${s.pruned} of ${s.finished} evaluations, by ${rules.join('; ')}`);
    for (const r of s.pruneRules) lines.push(`  e.g. trial ${r.example.sequence}: ${errorLine(r.example.reason)}`);
  }
  return lines;
}

/** Why an experiment that did not succeed ended, in one line for stderr. */
export function failureReason(status: string, endReason: string | null, s: OutcomeSummary): string {
  const ended = `ended ${status}${endReason ? ` (${endReason})` : ''}`;
  if (status === 'CANCELLED') return `${ended}: it was cancelled`;
  const top = s.errors[0];
  if (s.failed > 0 && top) return `${ended}: ${s.failed} of ${s.finished} evaluations failed; the most common error (${top.count}×): ${top.message}`;
  return ended;
}
