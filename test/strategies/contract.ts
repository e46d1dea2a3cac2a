/**
 * Behaviour every SearchStrategy shares, exercised the way the scheduler drives it:
 * proposals in varying counts, rewards arriving late and out of order, and a checkpoint
 * taken between any two calls.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Actions, Decision } from '../../src/space/types.js';
import type { Observation, Proposal, SearchStrategy } from '../../src/strategies/strategy.js';
import { assertValidActions } from '../../src/strategies/actions.js';
import { SnapshotError } from '../../src/strategies/snapshot.js';
import { arbitraryDecisions, compiledSpaces, CONDITIONED, flat } from './fixtures.js';

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

/** How the shared suite builds one strategy type. */
export interface ContractSubject {
  readonly type: string;
  readonly make: (decisions: readonly Decision[], seed: number) => SearchStrategy;
  /** Whether it should beat uniform proposals on the synthetic reward (all but `random`). */
  readonly learns: boolean;
}

/** The mean synthetic reward of uniform proposals on `decisions` without conditions: Σ_i 1/k_i / n. */
function uniformMean(decisions: readonly Decision[]): number {
  return decisions.reduce((sum, d) => sum + 1 / d.choices.length, 0) / decisions.length;
}

/**
 * The behaviour every strategy shares, registered as tests: valid proposals on arbitrary
 * and real spaces, determinism, exact continuation after a restore with proposals in
 * flight, parallel batches, proposals that are never observed, foreign snapshots and bad
 * input refused, and learning on a synthetic reward.
 */
export function strategyContract(subject: ContractSubject): void {
  const { make } = subject;

  it('proposes only valid sequences on arbitrary decision lists, in any batch size', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryDecisions, fc.integer({ min: 0, max: 1000 }), async (decisions, seed) => {
        const s = make(decisions, seed);
        try {
          const d = newDriver();
          await drive(s, decisions, d, 0, 8);
          for (const p of await s.propose(6)) assertValidActions(decisions, p.actions);
        } finally {
          s.dispose();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('is deterministic per seed', async () => {
    await assertDeterministic((seed) => make(CONDITIONED, seed), CONDITIONED, 25);
  });

  it('continues identically after snapshot → JSON → restore, with proposals in flight', async () => {
    for (const k of [0, 4, 17]) await assertRestoreContinues((seed) => make(CONDITIONED, seed), CONDITIONED, 30, k);
  });

  it('ends in the same state whether observations come in one call or one by one', async () => {
    const together = make(CONDITIONED, 4);
    const apart = make(CONDITIONED, 4);
    try {
      for (let round = 0; round < 4; round++) {
        const a = await together.propose(6);
        const b = await apart.propose(6);
        assert.deepEqual(b, a);
        const observations = a.map((p) => ({ actions: p.actions, reward: syntheticReward(CONDITIONED, p.actions), policyVersion: p.policyVersion }));
        await together.observe(observations);
        for (const o of observations) await apart.observe([o]);
      }
      // The mean reward of the last call is the one thing that depends on the split.
      const state = (s: SearchStrategy): unknown => ({ ...(s.snapshot().state as object), meanReward: null });
      assert.deepEqual(state(apart), state(together));
    } finally {
      together.dispose();
      apart.dispose();
    }
  });

  for (const { name, space } of compiledSpaces()) {
    it(`searches the ${name} space: valid, decodable proposals in batches of 4`, async () => {
      const s = make(space.decisions, 3);
      try {
        for (let round = 0; round < 15; round++) {
          const batch = await s.propose(4);
          for (const p of batch) {
            assert.deepEqual(space.validateActions(p.actions), []);
            space.decode(p.actions);
          }
          await s.observe(batch.map((p) => ({ actions: p.actions, reward: syntheticReward(space.decisions, p.actions), policyVersion: p.policyVersion })));
        }
      } finally {
        s.dispose();
      }
    });
  }

  it('carries on when some proposals are never observed and others are observed twice or unasked', async () => {
    const decisions = flat(5, 3);
    const s = make(decisions, 8);
    try {
      for (let round = 0; round < 20; round++) {
        const [first, second] = await s.propose(2);
        // `second` is dropped, as the scheduler drops a proposal whose architecture is in flight.
        const reward = syntheticReward(decisions, first!.actions);
        await s.observe([
          { actions: first!.actions, reward, policyVersion: first!.policyVersion },
          { actions: first!.actions, reward, policyVersion: first!.policyVersion },
          { actions: [round % 3, 0, 1, 2, 0], reward: 0.5, policyVersion: 0, pruned: true },
        ]);
        assertValidActions(decisions, second!.actions);
      }
      for (const p of await s.propose(3)) assertValidActions(decisions, p.actions);
    } finally {
      s.dispose();
    }
  });

  it('refuses a foreign snapshot and bad input, keeping its state', async () => {
    const s = make(CONDITIONED, 1);
    const other = make(flat(3, 2), 1);
    try {
      await drive(s, CONDITIONED, newDriver(), 0, 5);
      const before = s.snapshot();
      assert.throws(() => s.restore(other.snapshot()), SnapshotError);
      assert.throws(() => s.restore({ ...before, type: 'other' }), SnapshotError);
      assert.throws(() => s.restore({ ...before, version: 999 }), SnapshotError);
      assert.throws(() => s.restore({ ...before, state: { ...(before.state as object), rng: null } }), SnapshotError);
      assert.deepEqual(s.snapshot(), before);
      await assert.rejects(s.observe([{ actions: [0], reward: 1, policyVersion: 0 }]));
      const [p] = await s.propose(1);
      await assert.rejects(s.observe([{ actions: p!.actions, reward: Number.NaN, policyVersion: 0 }]), RangeError);
      await assert.rejects(s.propose(-1), RangeError);
      assert.deepEqual(await s.propose(0), []);
    } finally {
      s.dispose();
      other.dispose();
    }
  });

  if (subject.learns) {
    it('learns the synthetic reward: the last 50 of 200 sequential proposals beat uniform ones', async () => {
      const decisions = flat(8, 4);
      const s = make(decisions, 21);
      const rewards: number[] = [];
      try {
        for (let i = 0; i < 200; i++) {
          const [p] = await s.propose(1);
          const reward = syntheticReward(decisions, p!.actions);
          rewards.push(reward);
          await s.observe([{ actions: p!.actions, reward, policyVersion: p!.policyVersion }]);
        }
      } finally {
        s.dispose();
      }
      const late = rewards.slice(-50).reduce((a, b) => a + b, 0) / 50;
      // Uniform proposals average 0.25 here with a standard error of 0.02 over 50.
      assert.ok(late > uniformMean(decisions) + 0.25, `${subject.type}: late mean reward ${late.toFixed(3)}`);
    });
  }
}
