import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ReinforceStrategy } from '../../src/strategies/reinforce/reinforce.strategy.js';
import { flat, useBackend } from './fixtures.js';

/**
 * Proof that the controller learns: 10 decisions × 4 choices (4^10 ≈ 1.05 million
 * architectures), reward = fraction of decisions matching a hidden target. Random search
 * scores 0.25 on average and would need ~10^6 samples to hit the target by chance.
 */
describe('reinforce learns a synthetic reward', () => {
  before(() => useBackend('wasm'));

  it('raises the mean sampled reward and lowers the entropy within 100 updates', async () => {
    const decisions = flat(10, 4);
    const target = [3, 1, 0, 2, 2, 1, 3, 0, 1, 2];
    const reward = (actions: readonly number[]): number => actions.filter((a, i) => a === target[i]).length / target.length;
    const s = new ReinforceStrategy(decisions, { batchSize: 5 }, 2024);
    const meanRewards: number[] = [];
    const entropies: number[] = [];
    for (let update = 0; update < 100; update++) {
      const proposals = await s.propose(5);
      await s.observe(proposals.map((p) => ({ actions: p.actions, reward: reward(p.actions), policyVersion: p.policyVersion })));
      meanRewards.push(s.stats().meanReward!);
      entropies.push(s.stats().entropy!);
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const early = mean(meanRewards.slice(0, 10));
    const late = mean(meanRewards.slice(-10));
    const maxEntropy = 10 * Math.log(4);
    assert.ok(early < 0.4, `early mean reward ${early}`);
    assert.ok(late > 0.8, `late mean reward ${late} (early ${early})`);
    assert.ok(entropies[0]! > 0.95 * maxEntropy, `initial entropy ${entropies[0]} of at most ${maxEntropy}`);
    assert.ok(mean(entropies.slice(-10)) < 0.5 * entropies[0]!, `entropy ${entropies[0]} → ${mean(entropies.slice(-10))}`);
    const [greedyish] = await s.propose(1);
    assert.ok(reward(greedyish!.actions) >= 0.7);
    s.dispose();
  });
});
