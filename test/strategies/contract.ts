/**
 * Behaviour every SearchStrategy shares, exercised the way the scheduler drives it:
 * proposals in varying counts, rewards arriving late and out of order, and a checkpoint
 * taken between any two calls.
 */
import assert from 'node:assert/strict';
import type { Actions, Decision } from '../../src/space/types.js';
import type { Observation, Proposal, SearchStrategy } from '../../src/strategies/strategy.js';
import { assertValidActions } from '../../src/strategies/actions.js';

/** A deterministic reward with structure to learn: how many active decisions took choice (index mod its size). */
export function syntheticReward(decisions: readonly Decision[], actions: Actions): number {
  let hits = 0;
  actions.forEach((a, i) => {
    if (a === (i * 7 + 1) % decisions[i]!.choices.length) hits++;
  });
  return hits / decisions.length;
}

/** The caller's side of a search: proposals not yet observed survive a strategy restart. */
export interface Driver {
  outstanding: Proposal[];
  history: number[][];
}

export function newDriver(): Driver {
  return { outstanding: [], history: [] };
}

/** `rounds` rounds of: propose 1–3, then observe a reversed slice of the outstanding proposals (leaving some late). */
export async function drive(strategy: SearchStrategy, decisions: readonly Decision[], driver: Driver, fromRound: number, rounds: number): Promise<void> {
  for (let r = fromRound; r < fromRound + rounds; r++) {
    const proposals = await strategy.propose(1 + (r % 3));
    for (const p of proposals) {
      assertValidActions(decisions, p.actions);
      driver.history.push([...p.actions]);
    }
    driver.outstanding.push(...proposals);
    const take = Math.max(1, driver.outstanding.length - 2);
    const done = driver.outstanding.splice(0, take).reverse();
    const observations: Observation[] = done.map((p) => ({ actions: p.actions, reward: syntheticReward(decisions, p.actions), policyVersion: p.policyVersion }));
    await strategy.observe(observations);
  }
}

/**
 * N rounds uninterrupted must equal k rounds, snapshot → JSON text → restore into a new
 * instance (built with another seed, which the snapshot must override), then N − k rounds.
 */
export async function assertRestoreContinues(make: (seed: number) => SearchStrategy, decisions: readonly Decision[], n: number, k: number): Promise<void> {
  const straight = make(11);
  const a = newDriver();
  await drive(straight, decisions, a, 0, n);

  const first = make(11);
  const b = newDriver();
  await drive(first, decisions, b, 0, k);
  const text = JSON.stringify(first.snapshot());
  first.dispose();
  const resumed = make(99);
  resumed.restore(JSON.parse(text));
  await drive(resumed, decisions, b, k, n - k);

  assert.deepEqual(b.history, a.history);
  assert.deepEqual(resumed.stats(), straight.stats());
  assert.deepEqual(resumed.snapshot(), straight.snapshot());
  straight.dispose();
  resumed.dispose();
}

/** Same seed, same observations → same proposals; another seed → other proposals. */
export async function assertDeterministic(make: (seed: number) => SearchStrategy, decisions: readonly Decision[], rounds: number): Promise<void> {
  const run = async (seed: number): Promise<number[][]> => {
    const s = make(seed);
    const d = newDriver();
    await drive(s, decisions, d, 0, rounds);
    s.dispose();
    return d.history;
  };
  const one = await run(5);
  assert.deepEqual(await run(5), one);
  assert.notDeepEqual(await run(6), one);
}
