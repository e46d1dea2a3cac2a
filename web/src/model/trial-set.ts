import type { Direction, TrialPoint } from '../api/documents.js';

/** Finished states whose reward, if any, counts for the best-so-far curve (as the server's bestSoFar). */
const SCORED = new Set(['SUCCEEDED', 'PRUNED']);

export function isBetter(direction: Direction, a: number, b: number): boolean {
  return direction === 'MAXIMIZE' ? a > b : a < b;
}

/**
 * Every trial of one experiment, by sequence, as the charts read them. Pages from the
 * query and events from the subscription arrive in any order (a re-query after a
 * reconnect can answer after a newer event): a trial is replaced only by a version at
 * least as recent (`updatedAt`), so the newest state wins whatever the arrival order.
 */
export class TrialSet<T extends TrialPoint = TrialPoint> {
  private readonly byId = new Map<string, T>();
  private sorted: readonly T[] | null = [];

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  /** True when the set changed. */
  merge(trial: T): boolean {
    const known = this.byId.get(trial.id);
    if (known !== undefined && Date.parse(known.updatedAt) > Date.parse(trial.updatedAt)) return false;
    this.byId.set(trial.id, trial);
    // A new array on every change: views compare by identity to know they must redraw.
    this.sorted = null;
    return true;
  }

  /** In sequence order. */
  all(): readonly T[] {
    this.sorted ??= [...this.byId.values()].sort((a, b) => a.sequence - b.sequence);
    return this.sorted;
  }
}

export interface BestSoFar {
  readonly sequence: number[];
  readonly best: number[];
}

/**
 * The best reward after each evaluated trial, the same rule as the API's `bestSoFar`
 * (finished evaluations with a reward, in sequence order; answered duplicates skipped):
 * computed here so that the curve grows with every event instead of every re-query.
 */
export function bestSoFar(trials: readonly TrialPoint[], direction: Direction): BestSoFar {
  const sequence: number[] = [];
  const best: number[] = [];
  for (const trial of trials) {
    if (!SCORED.has(trial.status) || trial.reward === null || trial.duplicateOfId !== null) continue;
    const last = best.at(-1);
    sequence.push(trial.sequence);
    best.push(last === undefined || isBetter(direction, trial.reward, last) ? trial.reward : last);
  }
  return { sequence, best };
}
