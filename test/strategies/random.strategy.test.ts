import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RandomStrategy } from '../../src/strategies/random.strategy.js';
import { assertValidActions } from '../../src/strategies/actions.js';
import { SnapshotError } from '../../src/strategies/snapshot.js';
import { assertDeterministic, assertRestoreContinues } from './contract.js';
import { arbitraryDecisions, CONDITIONED, flat } from './fixtures.js';

describe('random strategy', () => {
  it('proposes only valid sequences (INACTIVE exactly where a decision does not apply)', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryDecisions, fc.integer(), async (decisions, seed) => {
        const s = new RandomStrategy(decisions, {}, seed);
        for (const p of await s.propose(10)) {
          assertValidActions(decisions, p.actions);
          assert.equal(p.logProb, 0);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('is uniform over each active decision', async () => {
    const s = new RandomStrategy(flat(1, 4), {}, 1);
    const counts = [0, 0, 0, 0];
    for (const p of await s.propose(8000)) counts[p.actions[0]!]!++;
    for (const c of counts) assert.ok(Math.abs(c - 2000) < 150, `counts ${counts.join(',')}`);
  });

  it('is deterministic per seed', async () => {
    await assertDeterministic((seed) => new RandomStrategy(CONDITIONED, {}, seed), CONDITIONED, 10);
  });

  it('continues identically after snapshot → JSON → restore', async () => {
    await assertRestoreContinues((seed) => new RandomStrategy(CONDITIONED, {}, seed), CONDITIONED, 12, 5);
  });

  it('refuses a snapshot of another strategy or decision list, and bad observations', async () => {
    const s = new RandomStrategy(CONDITIONED, {}, 1);
    const other = new RandomStrategy(flat(3, 2), {}, 1);
    assert.throws(() => s.restore(other.snapshot()), SnapshotError);
    assert.throws(() => s.restore({ type: 'evolution', version: 1, state: {} }), SnapshotError);
    await assert.rejects(s.observe([{ actions: [0], reward: 1, policyVersion: 0 }]));
    const [p] = await s.propose(1);
    await assert.rejects(s.observe([{ actions: p!.actions, reward: Number.NaN, policyVersion: 0 }]), RangeError);
    await assert.rejects(s.propose(-1), RangeError);
  });
});
