import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INACTIVE } from '../../src/space/types.js';
import { Random } from '../../src/random/index.js';
import { EvolutionStrategy, mutate } from '../../src/strategies/evolution.strategy.js';
import { assertValidActions, isActive, sampleUniformActions } from '../../src/strategies/actions.js';
import { StrategyConfigError } from '../../src/strategies/hyperparameters.js';
import { assertDeterministic, assertRestoreContinues } from './contract.js';
import { arbitraryDecisions, CONDITIONED, flat } from './fixtures.js';

describe('regularized evolution', () => {
  it('mutates exactly one active decision to another choice, repairing the decisions after it', () => {
    fc.assert(
      fc.property(arbitraryDecisions, fc.integer(), (decisions, seed) => {
        const rng = Random.fromSeed(seed);
        const parent = sampleUniformActions(decisions, rng);
        const child = mutate(decisions, parent, rng);
        assertValidActions(decisions, child);
        const changed = child.map((a, i) => (a !== parent[i] ? i : -1)).filter((i) => i >= 0);
        const mutable = decisions.some((d) => d.choices.length > 1 && isActive(d, parent));
        if (!mutable) return assert.deepEqual(child, parent);
        const first = changed[0]!;
        assert.ok(first !== undefined, 'the child differs');
        assert.ok(parent[first] !== INACTIVE && child[first] !== INACTIVE, 'the first change is the mutation of an active decision');
        // Later changes may only be decisions whose activity flipped or that were re-sampled after flipping on.
        for (const i of changed.slice(1)) assert.ok(parent[i] === INACTIVE || child[i] === INACTIVE, `decision ${i} changed without a switch`);
      }),
    );
  });

  it('starts with populationSize random proposals, then mutates tournament winners', async () => {
    const decisions = flat(6, 5);
    const s = new EvolutionStrategy(decisions, { populationSize: 4, sampleSize: 4 }, 3);
    const initial = await s.propose(4);
    // Only the first member is good; with a tournament over the whole population (sampleSize = size) it always wins... most of the time.
    await s.observe(initial.map((p, i) => ({ actions: p.actions, reward: i === 0 ? 1 : 0, policyVersion: p.policyVersion })));
    const children = await s.propose(50);
    const best = initial[0]!.actions;
    const fromBest = children.filter((c) => c.actions.filter((a, i) => a !== best[i]).length === 1).length;
    // P(tournament of 4 with replacement misses member 0) = (3/4)^4 ≈ 0.32.
    assert.ok(fromBest > 25, `${fromBest} of 50 children are one mutation from the best`);
  });

  it('removes the oldest member, not the worst', async () => {
    const decisions = flat(3, 3);
    const s = new EvolutionStrategy(decisions, { populationSize: 3, sampleSize: 2 }, 1);
    const rewards = [10, 1, 2, 3];
    for (const reward of rewards) {
      const [p] = await s.propose(1);
      await s.observe([{ actions: p!.actions, reward, policyVersion: p!.policyVersion }]);
    }
    assert.deepEqual(
      s.members().map((m) => m.reward),
      [1, 2, 3],
    );
  });

  it('proposes random architectures until something has been observed, whatever the count', async () => {
    const s = new EvolutionStrategy(CONDITIONED, { populationSize: 2, sampleSize: 1 }, 1);
    const proposals = await s.propose(10);
    proposals.forEach((p) => assertValidActions(CONDITIONED, p.actions));
  });

  it('is deterministic per seed and continues identically after snapshot → JSON → restore', async () => {
    const make = (seed: number): EvolutionStrategy => new EvolutionStrategy(CONDITIONED, { populationSize: 5, sampleSize: 2 }, seed);
    await assertDeterministic(make, CONDITIONED, 12);
    await assertRestoreContinues(make, CONDITIONED, 20, 3);
    await assertRestoreContinues(make, CONDITIONED, 20, 11);
  });

  it('validates its hyperparameters with a field path', () => {
    assert.throws(
      () => new EvolutionStrategy(CONDITIONED, { populationSize: 5, sampleSize: 6 }, 1),
      (e: unknown) => e instanceof StrategyConfigError && e.issues[0]?.path === 'hyperparameters.sampleSize',
    );
    assert.throws(
      () => new EvolutionStrategy(CONDITIONED, { populationSize: 1.5 }, 1),
      (e: unknown) => e instanceof StrategyConfigError && e.issues[0]?.path === 'hyperparameters.populationSize',
    );
  });
});
