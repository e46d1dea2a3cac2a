/** Argument checks shared by every strategy's `propose`/`observe`. */

export function assertCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`propose count must be a non-negative integer, got ${count}`);
}

/** A NaN reward would poison a baseline or a population for the rest of the search. */
export function assertReward(reward: number): void {
  if (typeof reward !== 'number' || !Number.isFinite(reward)) throw new RangeError(`reward must be a finite number, got ${String(reward)}`);
}
