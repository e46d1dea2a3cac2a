import { InvalidInputError } from '../../errors/index.js';

/** The `after` argument every subscription takes. */
export const AFTER =
  "Replay the experiment's events with ids above this one first, then go on live, with no gap and no duplicate; absent: live events from now. Every delivered object carries its `eventId`.";

export function checkedAfter(after: number | null | undefined): number | null {
  if (after === null || after === undefined) return null;
  if (!Number.isInteger(after) || after < 0) throw InvalidInputError.field('after', 'must be an event id (an integer ≥ 0)');
  return after;
}
