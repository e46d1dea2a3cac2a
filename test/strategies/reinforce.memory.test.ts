import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ReinforceStrategy } from '../../src/strategies/reinforce/reinforce.strategy.js';
import { syntheticReward } from './contract.js';
import { BACKENDS, CONDITIONED, useBackend } from './fixtures.js';

for (const backend of BACKENDS) {
  describe(`reinforce tensor hygiene on ${backend}`, () => {
    before(() => useBackend(backend));

    it('holds the same number of tensors across 1,000 proposals and 100 updates, and none after dispose', async () => {
      const before = tf.memory().numTensors;
      const s = new ReinforceStrategy(CONDITIONED, { batchSize: 10 }, 1);
      const held = tf.memory().numTensors;
      for (let round = 0; round < 100; round++) {
        const proposals = await s.propose(10);
        await s.observe(proposals.map((p) => ({ actions: p.actions, reward: syntheticReward(CONDITIONED, p.actions), policyVersion: p.policyVersion })));
        if (round % 25 === 0) s.snapshot();
        assert.equal(tf.memory().numTensors, held, `after round ${round}`);
      }
      assert.equal(s.stats().step, 100);
      s.restore(s.snapshot());
      assert.equal(tf.memory().numTensors, held, 'after restore');
      s.dispose();
      assert.equal(tf.memory().numTensors, before);
    });
  });
}
