import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actions } from '../../src/space/types.js';
import { INACTIVE } from '../../src/space/types.js';
import { Random } from '../../src/random/index.js';
import { assertValidActions, isActive } from '../../src/strategies/actions.js';
import { actionsKey } from '../../src/strategies/in-flight.js';
import { ActivityGroups } from '../../src/strategies/tpe/groups.js';
import { CategoricalParzen, trialWeights } from '../../src/strategies/tpe/parzen.js';
import { goodTrials, TpeStrategy } from '../../src/strategies/tpe/tpe.strategy.js';
import { CONDITIONED, decision, flat } from './fixtures.js';

const close = (a: number, b: number, tol = 1e-12): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

function allSequences(choices: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const k of choices) out = out.flatMap((p) => Array.from({ length: k }, (_, c) => [...p, c]));
  return out;
}

describe('TPE parzen estimator', () => {
  it("weights trials as Optuna's default_weights: flat up to 25, then a ramp over the oldest", () => {
    assert.deepEqual(trialWeights(3), [1, 1, 1]);
    const w = trialWeights(30);
    assert.equal(w.length, 30);
    // numpy.linspace(1/30, 1, 5) for the oldest five, then 25 ones.
    [1 / 30, 0.275, 0.5166666666666667, 0.7583333333333333, 1].forEach((v, i) => close(w[i]!, v));
    assert.ok(w.slice(5).every((v) => v === 1));
    close(trialWeights(26)[0]!, 1 / 26);
  });

  it("builds Optuna's smoothed one-hot kernels plus a uniform prior", () => {
    // One trial that took choice 0 of 3, prior weight 1: its kernel is (1 + ½, ½, ½)/2.5 = (0.6, 0.2, 0.2), mixed ½ : ½ with uniform.
    const parzen = new CategoricalParzen([0], [3], [[0]], 1);
    close(Math.exp(parzen.logPdf([0])), 0.5 * 0.6 + 0.5 / 3);
    close(Math.exp(parzen.logPdf([2])), 0.5 * 0.2 + 0.5 / 3);
  });

  it('is a distribution over the group, and marginalises decisions that do not apply', () => {
    const choices = [3, 2, 4];
    const trials: Actions[] = [
      [0, 1, 3],
      [2, 1, 0],
      [0, 0, 3],
    ];
    const parzen = new CategoricalParzen([0, 1, 2], choices, trials, 0.7);
    const total = allSequences(choices).reduce((sum, x) => sum + Math.exp(parzen.logPdf(x)), 0);
    close(total, 1, 1e-12);
    const marginal = allSequences([3, 2]).reduce((sum, [a, b]) => sum + Math.exp(parzen.logPdf([a!, b!, INACTIVE])), 0);
    close(marginal, 1, 1e-12);
  });

  it('samples from the mixture it scores', () => {
    const choices = [3, 2];
    const parzen = new CategoricalParzen([0, 1], choices, [[2, 1], [2, 1], [0, 0]], 1);
    const rng = Random.fromSeed(4);
    const counts = new Map<string, number>();
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const k = parzen.sampleKernel(rng);
      const x = [parzen.sampleChoice(k, 0, rng), parzen.sampleChoice(k, 1, rng)];
      counts.set(x.join(','), (counts.get(x.join(',')) ?? 0) + 1);
    }
    for (const x of allSequences(choices)) {
      const p = Math.exp(parzen.logPdf(x));
      const seen = (counts.get(x.join(',')) ?? 0) / n;
      assert.ok(Math.abs(seen - p) < 4 * Math.sqrt((p * (1 - p)) / n) + 1e-3, `${x.join(',')}: sampled ${seen}, density ${p}`);
    }
  });
});

describe('TPE groups and split', () => {
  it('groups decisions that applied in exactly the same trials', () => {
    const groups = new ActivityGroups(CONDITIONED.length);
    groups.refine([0, 0, 2, INACTIVE, INACTIVE, INACTIVE, INACTIVE]);
    assert.deepEqual(groups.groups(), [[0, 1, 2], [3, 4, 5, 6]]);
    groups.refine([2, 1, INACTIVE, 1, INACTIVE, 0, 1]);
    assert.deepEqual(groups.groups(), [[0, 1], [2], [3, 5, 6], [4]]);
  });

  it('ranks completed trials before pruned ones, then by reward, older first among equals', () => {
    const history = [
      { reward: 0.5, pruned: false },
      { reward: 0.9, pruned: true },
      { reward: 0.7, pruned: false },
      { reward: 0.7, pruned: false },
    ];
    assert.deepEqual(goodTrials(history, 0.25, 25), [false, false, true, false]);
    assert.deepEqual(goodTrials(history, 0.75, 25), [true, false, true, true]);
    assert.deepEqual(goodTrials(history, 1, 25), [true, true, true, true]);
    assert.deepEqual(goodTrials(history, 1, 2), [false, false, true, true]);
  });
});

describe('TPE strategy', () => {
  const reward = (target: readonly number[]) => (actions: Actions) => actions.filter((a, i) => a === target[i]).length / target.length;

  it('proposes uniformly, whatever the rewards, until startupTrials observations', async () => {
    const run = async (r: number): Promise<Actions[]> => {
      const s = new TpeStrategy(flat(4, 5), { startupTrials: 6 }, 9);
      const out: Actions[] = [];
      for (let i = 0; i < 8; i++) {
        const [p] = await s.propose(1);
        out.push(p!.actions);
        await s.observe([{ actions: p!.actions, reward: r * i, policyVersion: p!.policyVersion }]);
      }
      return out;
    };
    const [a, b] = [await run(1), await run(-1)];
    assert.deepEqual(a.slice(0, 6), b.slice(0, 6), 'the first six come before six observations, without the model');
    assert.notDeepEqual(a.slice(6), b.slice(6), 'the seventh on use the model, which saw opposite rankings');
  });

  it('concentrates on the good region and never repeats an architecture while a new candidate exists', async () => {
    const decisions = flat(6, 5);
    const target = [4, 0, 3, 1, 2, 2];
    const score = reward(target);
    const s = new TpeStrategy(decisions, {}, 3);
    const seen = new Set<string>();
    const rewards: number[] = [];
    for (let i = 0; i < 150; i++) {
      const [p] = await s.propose(1);
      assert.ok(!seen.has(actionsKey(p!.actions)), `proposal ${i} repeats an architecture`);
      seen.add(actionsKey(p!.actions));
      rewards.push(score(p!.actions));
      await s.observe([{ actions: p!.actions, reward: score(p!.actions), policyVersion: p!.policyVersion }]);
    }
    const late = rewards.slice(-30).reduce((a, b) => a + b, 0) / 30;
    assert.ok(late > 0.6, `late mean reward ${late} (uniform: 0.2)`);
  });

  it('spreads a batch: the proposals in flight count as bad (constant liar), so one batch has no repeats', async () => {
    const decisions = flat(4, 4);
    const s = new TpeStrategy(decisions, { startupTrials: 4 }, 5);
    const first = await s.propose(4);
    await s.observe(first.map((p, i) => ({ actions: p.actions, reward: i, policyVersion: p.policyVersion })));
    const batch = await s.propose(12);
    const observed = new Set(first.map((p) => actionsKey(p.actions)));
    const keys = new Set(batch.map((p) => actionsKey(p.actions)));
    assert.equal(keys.size, 12);
    assert.ok([...keys].every((k) => !observed.has(k)));
    // The liar is settled by the observation: the state holds no proposal in flight afterwards.
    await s.observe(batch.map((p) => ({ actions: p.actions, reward: 0, policyVersion: p.policyVersion })));
    assert.deepEqual((s.snapshot().state as { inFlight: unknown[] }).inFlight, []);
  });

  it('learns a conditional decision from the trials in which it applied only', async () => {
    // d6 applies only when d5 = 0, which applies only when d0 = 2; the reward pays for d6 = 1 and for nothing else.
    const s = new TpeStrategy(CONDITIONED, { startupTrials: 10 }, 2);
    const r = (a: Actions): number => (a[6] === 1 ? 1 : a[6] === INACTIVE ? 0.2 : 0);
    let hits = 0;
    let active = 0;
    for (let i = 0; i < 120; i++) {
      const [p] = await s.propose(1);
      assertValidActions(CONDITIONED, p!.actions);
      if (i >= 60 && isActive(CONDITIONED[6]!, p!.actions)) {
        active++;
        if (p!.actions[6] === 1) hits++;
      }
      await s.observe([{ actions: p!.actions, reward: r(p!.actions), policyVersion: p!.policyVersion }]);
    }
    assert.ok(active > 20, `d6 applied in only ${active} of the last 60 proposals`);
    assert.ok(hits / active > 0.6, `d6 = 1 in ${hits} of ${active} (uniform: 1/3)`);
  });

  it('proposes the one architecture not yet tried when a candidate finds it, conditions included', async () => {
    // Two decisions, the second applying only when the first is 1: five architectures in all.
    const decisions = [decision(0, 2), decision(1, 4, [{ decision: 0, oneOf: [1] }])];
    const s = new TpeStrategy(decisions, { startupTrials: 0, gamma: 0.5, candidates: 200 }, 1);
    const observations = [
      { actions: [0, INACTIVE], reward: 1 },
      { actions: [1, 3], reward: 0.9 },
      { actions: [1, 0], reward: 0 },
      { actions: [1, 1], reward: 0 },
    ];
    await s.observe(observations.map((o) => ({ ...o, policyVersion: 0 })));
    // Only [1, 2] is untried; l(x) gives it mass through the smoothing, and 200 candidates find it.
    const [p] = await s.propose(1);
    assert.deepEqual(p!.actions, [1, 2]);
  });
});
