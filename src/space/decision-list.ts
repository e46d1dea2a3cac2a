import { LimitExceeded } from './errors.js';
import type { SpaceLimits } from './limits.js';
import type { ChoiceValue, ConditionClause, Decision } from './types.js';

export type Condition = readonly ConditionClause[] | undefined;

/**
 * Builds the ordered decision list. A setting with a single possible value is not a
 * decision (the controller would learn nothing from it), so `choose` returns undefined for
 * it and the caller keeps the value as a constant.
 */
export class DecisionList {
  readonly decisions: Decision[] = [];
  private readonly ids = new Set<string>();

  constructor(private readonly limits: SpaceLimits) {}

  choose(id: string, name: string, choices: readonly ChoiceValue[], condition: Condition, path: string): number | undefined {
    if (choices.length < 2) return undefined;
    if (this.decisions.length >= this.limits.maxDecisions) {
      throw new LimitExceeded(path, `the space needs more than the limit of ${this.limits.maxDecisions} decisions`);
    }
    if (this.ids.has(id)) throw new LimitExceeded(path, `two decisions would share the id ${id}`);
    this.ids.add(id);
    const index = this.decisions.length;
    const decision: Decision =
      condition === undefined || condition.length === 0
        ? { index, id, name, choices: [...choices] }
        : { index, id, name, choices: [...choices], condition: condition.map((c) => ({ decision: c.decision, oneOf: [...c.oneOf] })) };
    this.decisions.push(decision);
    return index;
  }
}

/**
 * The condition under which something applies when it hangs off option `option` of the
 * setting decided at `decision` (or inherits `parent` when that setting was fixed). One
 * clause is enough even for deep nesting: a clause on an inactive decision is false.
 */
export function under(parent: Condition, decision: number | undefined, options: readonly number[]): Condition {
  return decision === undefined ? parent : [{ decision, oneOf: options }];
}
