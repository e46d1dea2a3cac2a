import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReinforceStrategy } from '../../src/strategies/reinforce/reinforce.strategy.js';
import { assertValidActions } from '../../src/strategies/actions.js';
import { SnapshotError } from '../../src/strategies/snapshot.js';
import { assertDeterministic, assertRestoreContinues } from './contract.js';
import { arbitraryDecisions, BACKENDS, CONDITIONED, useBackend } from './fixtures.js';

const SMALL = { hiddenSize: 8, batchSize: 3, learningRate: 0.05 } as const;

for (const backend of BACKENDS) {
  describe(`reinforce on ${backend}`, () => {
    before(() => useBackend(backend));

    it('proposes only valid sequences with log-probabilities of the active decisions', async () => {
      await fc.assert(
        fc.asyncProperty(arbitraryDecisions, fc.integer(), async (decisions, seed) => {
          const s = new ReinforceStrategy(decisions, { hiddenSize: 4 }, seed);
          try {
            for (const p of await s.propose(5)) {
              assertValidActions(decisions, p.actions);
              assert.ok(p.logProb <= 0 && Number.isFinite(p.logProb));
              if (decisions.every((d) => d.choices.length === 1)) assert.equal(p.logProb, 0);
            }
          } finally {
            s.dispose();
          }
        }),
        { numRuns: 15 },
      );
    });

    it('samples the same architectures whether proposals are batched or not', async () => {
      const a = new ReinforceStrategy(CONDITIONED, SMALL, 4);
      const b = new ReinforceStrategy(CONDITIONED, SMALL, 4);
      const batched = (await a.propose(4)).map((p) => p.actions);
      const single: (readonly number[])[] = [];
      for (let i = 0; i < 4; i++) single.push((await b.propose(1))[0]!.actions);
      assert.deepEqual(single, batched);
      a.dispose();
      b.dispose();
    });

    it('is deterministic per seed (weights and samples)', async () => {
      await assertDeterministic((seed) => new ReinforceStrategy(CONDITIONED, SMALL, seed), CONDITIONED, 10);
    });

    it('continues identically after snapshot → JSON → restore, with observations pending', async () => {
      const make = (seed: number): ReinforceStrategy => new ReinforceStrategy(CONDITIONED, SMALL, seed);
      await assertRestoreContinues(make, CONDITIONED, 16, 4);
      await assertRestoreContinues(make, CONDITIONED, 16, 9);
    });

    it('adopts the snapshot’s hyperparameters on restore', async () => {
      const a = new ReinforceStrategy(CONDITIONED, { ...SMALL, hiddenSize: 6 }, 1);
      const b = new ReinforceStrategy(CONDITIONED, SMALL, 1);
      b.restore(JSON.parse(JSON.stringify(a.snapshot())));
      assert.equal(b.hyperparameters.hiddenSize, 6);
      assert.deepEqual((await b.propose(3)).map((p) => p.actions), (await a.propose(3)).map((p) => p.actions));
      a.dispose();
      b.dispose();
    });

    it('updates once per batchSize observations and reports stats', async () => {
      const s = new ReinforceStrategy(CONDITIONED, SMALL, 2);
      assert.deepEqual(s.stats(), { step: 0, baseline: null, meanReward: null, entropy: null });
      const proposals = await s.propose(7);
      await s.observe(proposals.map((p, i) => ({ actions: p.actions, reward: i, policyVersion: p.policyVersion })));
      const stats = s.stats();
      assert.equal(stats.step, 2);
      assert.equal(stats.meanReward, 4); // second batch: rewards 3, 4, 5
      assert.ok(stats.entropy !== null && stats.entropy > 0);
      assert.ok(stats.baseline !== null && stats.baseline > 0 && stats.baseline < 5);
      assert.equal((await s.propose(1))[0]!.policyVersion, 2);
      s.dispose();
    });

    it('rejects a corrupt snapshot without losing its own state', async () => {
      const s = new ReinforceStrategy(CONDITIONED, SMALL, 2);
      const good = s.snapshot();
      const state = good.state as Record<string, unknown>;
      const corrupt = { ...good, state: { ...state, weights: (state.weights as string[]).map((w, i) => (i === 0 ? w.slice(0, 8) : w)) } };
      assert.throws(() => s.restore(corrupt), SnapshotError);
      assert.throws(() => s.restore({ ...good, version: 99 }), SnapshotError);
      assert.deepEqual(s.snapshot(), good);
      s.dispose();
      await assert.rejects(s.propose(1));
    });
  });
}
