/**
 * What every strategy needs to know about a decision list: which decisions apply given
 * the earlier choices, how to draw a valid action sequence, and whether an action
 * sequence handed back by a caller fits the list at all.
 */
import type { Actions, Decision } from '../space/types.js';
import { INACTIVE } from '../space/types.js';
import { GraphnasError } from '../errors/index.js';
import type { Random } from '../random/index.js';

/** Whether `decision` applies, given the actions already taken at the earlier decisions. */
export function isActive(decision: Decision, actions: Actions): boolean {
  const clauses = decision.condition;
  if (clauses === undefined) return true;
  for (const clause of clauses) {
    const taken = actions[clause.decision];
    if (taken === undefined || taken === INACTIVE || !clause.oneOf.includes(taken)) return false;
  }
  return true;
}

/** Uniform over each active decision's choices, in decision order (conditions only look back). */
export function sampleUniformActions(decisions: readonly Decision[], rng: Random): number[] {
  const actions: number[] = [];
  for (const decision of decisions) {
    actions.push(isActive(decision, actions) ? rng.nextInt(decision.choices.length) : INACTIVE);
  }
  return actions;
}

/**
 * Re-derives activity from position `from` on: decisions that no longer apply become
 * INACTIVE, newly applicable ones get a uniform choice, the rest keep theirs. Used after a
 * mutation so a child is always a valid sequence.
 */
export function repairActions(decisions: readonly Decision[], actions: number[], from: number, rng: Random): void {
  for (let i = from; i < decisions.length; i++) {
    const decision = decisions[i]!;
    if (!isActive(decision, actions)) actions[i] = INACTIVE;
    else if (actions[i] === INACTIVE) actions[i] = rng.nextInt(decision.choices.length);
  }
}

/** An action sequence that does not fit the decision list (one entry per decision, INACTIVE where one does not apply). */
export class InvalidActionsError extends GraphnasError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

/** Throws unless `actions` is exactly one valid entry per decision with INACTIVE precisely where a decision does not apply. */
export function assertValidActions(decisions: readonly Decision[], actions: Actions): void {
  if (!Array.isArray(actions) || actions.length !== decisions.length) {
    throw new InvalidActionsError(`expected ${decisions.length} actions, got ${Array.isArray(actions) ? actions.length : typeof actions}`);
  }
  for (let i = 0; i < decisions.length; i++) {
    const decision = decisions[i]!;
    const action = actions[i];
    if (isActive(decision, actions)) {
      if (!Number.isInteger(action) || action! < 0 || action! >= decision.choices.length) {
        throw new InvalidActionsError(`action ${i} (${decision.id}) must be a choice index in [0, ${decision.choices.length}), got ${String(action)}`);
      }
    } else if (action !== INACTIVE) {
      throw new InvalidActionsError(`action ${i} (${decision.id}) does not apply here and must be ${INACTIVE}, got ${String(action)}`);
    }
  }
}

/**
 * The parts of a decision list a strategy's state depends on (choice counts and
 * conditions, not names), so restoring a snapshot onto a different list fails loudly.
 */
export function decisionSignature(decisions: readonly Decision[]): string {
  return decisions
    .map((d) => {
      const condition = (d.condition ?? []).map((c) => `${c.decision}:${[...c.oneOf].sort((a, b) => a - b).join('.')}`).join('&');
      return condition === '' ? `${d.choices.length}` : `${d.choices.length}?${condition}`;
    })
    .join(',');
}

/** Throws unless the list is usable: indices in order, at least one choice each, conditions referring to earlier decisions. */
export function assertValidDecisions(decisions: readonly Decision[]): void {
  decisions.forEach((d, i) => {
    if (d.index !== i) throw new InvalidActionsError(`decision ${i} has index ${d.index}`);
    if (d.choices.length < 1) throw new InvalidActionsError(`decision ${i} (${d.id}) has no choices`);
    for (const clause of d.condition ?? []) {
      if (!Number.isInteger(clause.decision) || clause.decision < 0 || clause.decision >= i) {
        throw new InvalidActionsError(`decision ${i} (${d.id}) has a condition on decision ${clause.decision}, which is not an earlier one`);
      }
    }
  });
}
