/**
 * Optuna's group decomposition of a conditional search space (`multivariate=True,
 * group=True`), computed from the trials observed so far: two decisions share a group
 * exactly when every trial had both or neither. Each group gets its own joint density,
 * estimated only from the trials in which all of its decisions applied, so a decision
 * that was inactive in a trial contributes nothing to it. Without conditions every
 * decision is in one group: plain multivariate TPE.
 */
import type { Actions } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';

export class ActivityGroups {
  /** Group id per decision, numbered in order of each group's first decision. */
  private ids: number[];

  constructor(decisionCount: number) {
    this.ids = new Array<number>(decisionCount).fill(0);
  }

  /** Splits every group by whether its decisions applied in this trial. */
  refine(actions: Actions): void {
    const renumber = new Map<string, number>();
    this.ids = this.ids.map((id, d) => {
      const key = `${id}:${actions[d] === INACTIVE ? 0 : 1}`;
      let next = renumber.get(key);
      if (next === undefined) renumber.set(key, (next = renumber.size));
      return next;
    });
  }

  groupOf(decision: number): number {
    return this.ids[decision]!;
  }

  /** Decision indices per group, ascending; groups in order of their first decision. */
  groups(): number[][] {
    const out: number[][] = [];
    this.ids.forEach((id, d) => (out[id] ??= []).push(d));
    return out;
  }
}
