/**
 * Walking a decision list: which decisions apply under a partial action sequence, whether
 * a sequence is valid, and sampling/enumerating valid sequences. These work on the bare
 * `Decision[]` contract, so strategies and tests can use them without a compiled space.
 */
import type { SpaceError } from './errors.js';
import type { Actions, Decision } from './types.js';
import { INACTIVE } from './types.js';

/**
 * Whether decision `index` applies given the actions taken at earlier decisions (later
 * entries of `actions` are not read, so a sequence being built left to right works).
 * A clause on a decision that took no choice (INACTIVE or missing) is false.
 */
export function isActive(decisions: readonly Decision[], index: number, actions: Actions): boolean {
  const condition = decisions[index]?.condition;
  if (condition === undefined) return true;
  return condition.every((clause) => {
    const taken = actions[clause.decision];
    return taken !== undefined && taken !== INACTIVE && clause.oneOf.includes(taken);
  });
}

/** `isActive` for every decision at once. */
export function activeMask(decisions: readonly Decision[], actions: Actions): boolean[] {
  return decisions.map((_, i) => isActive(decisions, i, actions));
}

/** Every way `actions` fails to be a valid sequence for `decisions`; empty when it is valid. */
export function validateActions(decisions: readonly Decision[], actions: unknown): SpaceError[] {
  if (!Array.isArray(actions)) return [{ path: '', message: 'actions must be an array of integers' }];
  if (actions.length !== decisions.length) {
    return [{ path: '', message: `expected ${decisions.length} actions (one per decision), got ${actions.length}` }];
  }
  const errors: SpaceError[] = [];
  const seq = actions as readonly unknown[];
  for (let i = 0; i < decisions.length && errors.length < 100; i++) {
    const a = seq[i];
    const d = decisions[i];
    if (typeof a !== 'number' || !Number.isInteger(a)) {
      errors.push({ path: `/${i}`, message: `action for ${d.id} must be an integer` });
      continue;
    }
    if (isActive(decisions, i, seq as Actions)) {
      if (a < 0 || a >= d.choices.length) {
        errors.push({ path: `/${i}`, message: `action for ${d.id} must be from 0 to ${d.choices.length - 1} (got ${a})` });
      }
    } else if (a !== INACTIVE) {
      errors.push({ path: `/${i}`, message: `${d.id} does not apply here, so its action must be ${INACTIVE} (got ${a})` });
    }
  }
  return errors;
}

/** A valid action sequence with a uniformly random choice at each active decision. */
export function sampleActions(decisions: readonly Decision[], random: () => number): number[] {
  const actions: number[] = [];
  for (let i = 0; i < decisions.length; i++) {
    const k = decisions[i].choices.length;
    actions.push(isActive(decisions, i, actions) ? Math.min(k - 1, Math.floor(random() * k)) : INACTIVE);
  }
  return actions;
}

/**
 * Every valid action sequence, depth first, in lexicographic order of choices. Meant for
 * small spaces (tests, exhaustive baselines): it throws once more than `max` were produced.
 */
export function* enumerateActions(decisions: readonly Decision[], max = 1_000_000): Generator<number[]> {
  const actions: number[] = [];
  let produced = 0;
  function* rec(i: number): Generator<number[]> {
    if (i === decisions.length) {
      if (++produced > max) throw new RangeError(`more than ${max} action sequences`);
      yield actions.slice();
      return;
    }
    if (!isActive(decisions, i, actions)) {
      actions.push(INACTIVE);
      yield* rec(i + 1);
      actions.pop();
      return;
    }
    for (let c = 0; c < decisions[i].choices.length; c++) {
      actions.push(c);
      yield* rec(i + 1);
      actions.pop();
    }
  }
  yield* rec(0);
}
