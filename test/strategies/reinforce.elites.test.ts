import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actions } from '../../src/space/types.js';
import { actionsKey } from '../../src/strategies/in-flight.js';
import { ReinforceStrategy } from '../../src/strategies/reinforce/reinforce.strategy.js';
import type { StoredObservation } from '../../src/strategies/snapshot.js';
import { assertRestoreContinues } from './contract.js';
import { CONDITIONED, flat, useBackend } from './fixtures.js';

const SMALL = { hiddenSize: 8, batchSize: 3, learningRate: 0.05 } as const;

function elites(s: ReinforceStrategy): StoredObservation[] {
  return (s.snapshot().state as { elites: StoredObservation[] }).elites;
}

describe('reinforce elites and repeats', () => {
  before(() => useBackend('cpu'));

  it('keeps the best distinct architectures observed, best first and older first among equals', async () => {
    const s = new ReinforceStrategy(flat(3, 4), { ...SMALL, eliteSize: 3 }, 1);
    const o = (actions: Actions, reward: number): { actions: Actions; reward: number; policyVersion: number } => ({ actions, reward, policyVersion: 0 });
    await s.observe([o([0, 0, 0], 0.2), o([1, 1, 1], 0.9), o([2, 2, 2], 0.5), o([1, 1, 1], 0.9), o([3, 3, 3], 0.5), o([0, 1, 2], 0.1)]);
    assert.deepEqual(
      elites(s).map((e) => [e.actions.join(''), e.reward]),
      [
        ['111', 0.9],
        ['222', 0.5],
        ['333', 0.5],
      ],
    );
    s.dispose();
  });

  it('pulls the policy towards the elites even when rewards carry no signal', async () => {
    const decisions = flat(4, 3);
    const best = [2, 0, 1, 2];
    const share = async (eliteWeight: number): Promise<number> => {
      const s = new ReinforceStrategy(decisions, { ...SMALL, eliteSize: 1, eliteWeight, entropyWeight: 0 }, 5);
      // One good architecture, then equal rewards: REINFORCE's advantages are all but zero, the elite term is not.
      await s.observe([{ actions: best, reward: 1, policyVersion: 0 }]);
      for (let round = 0; round < 30; round++) {
        const batch = await s.propose(3);
        await s.observe(batch.map((p) => ({ actions: p.actions, reward: 0, policyVersion: p.policyVersion })));
      }
      const late = await s.propose(40);
      s.dispose();
      return late.filter((p) => actionsKey(p.actions) === actionsKey(best)).length / late.length;
    };
    const pulled = await share(1);
    const free = await share(0);
    assert.ok(pulled > 0.5, `the elite is ${(pulled * 100).toFixed(0)} % of proposals with the elite term`);
    assert.ok(free < 0.2, `and ${(free * 100).toFixed(0)} % without (uniform: 1.2 %)`);
  });

  it('redraws an architecture already observed or in flight, so a small space is covered without repeats', async () => {
    const decisions = flat(2, 3);
    const s = new ReinforceStrategy(decisions, { ...SMALL, resampleRepeats: 40 }, 3);
    const first = await s.propose(5);
    const seen = new Set(first.map((p) => actionsKey(p.actions)));
    assert.equal(seen.size, 5, 'no repeat within a batch in flight');
    await s.observe(first.map((p) => ({ actions: p.actions, reward: 0.5, policyVersion: p.policyVersion })));
    const rest = await s.propose(4);
    for (const p of rest) seen.add(actionsKey(p.actions));
    assert.equal(seen.size, 9, 'all nine architectures after nine proposals');
    s.dispose();
  });

  it('continues identically after a restore with elites and proposals in flight, and reads a version 1 snapshot', async () => {
    const make = (seed: number): ReinforceStrategy => new ReinforceStrategy(CONDITIONED, { ...SMALL, eliteSize: 4, resampleRepeats: 3 }, seed);
    await assertRestoreContinues(make, CONDITIONED, 20, 7);
    const s = make(2);
    const v2 = s.snapshot();
    const { elites: _e, evaluated: _v, inFlight: _i, ...v1State } = v2.state as Record<string, unknown>;
    const restored = make(9);
    restored.restore({ type: 'reinforce', version: 1, state: v1State });
    assert.deepEqual((await restored.propose(2)).map((p) => p.actions), (await s.propose(2)).map((p) => p.actions));
    s.dispose();
    restored.dispose();
  });
});
