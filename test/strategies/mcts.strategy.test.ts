import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Actions } from '../../src/space/types.js';
import { assertValidActions } from '../../src/strategies/actions.js';
import { actionsKey, InFlight } from '../../src/strategies/in-flight.js';
import { MctsStrategy } from '../../src/strategies/mcts/mcts.strategy.js';
import type { TreeColumns } from '../../src/strategies/mcts/tree.js';
import { SnapshotError } from '../../src/strategies/snapshot.js';
import { syntheticReward } from './contract.js';
import { CONDITIONED, decision, flat } from './fixtures.js';

function tree(s: MctsStrategy): TreeColumns {
  return (s.snapshot().state as { tree: TreeColumns }).tree;
}

describe('MCTS', () => {
  it('never proposes an architecture twice until every one has been, conditions included', async () => {
    // d1 applies only when d0 = 1: 1 + 3 = 4 architectures for d0, d1, times 2 for d2.
    const decisions = [decision(0, 2), decision(1, 3, [{ decision: 0, oneOf: [1] }]), decision(2, 2)];
    for (const rollout of ['random', 'amaf'] as const) {
      const s = new MctsStrategy(decisions, { rollout }, 4);
      const seen = new Set<string>();
      for (let i = 0; i < 8; i++) {
        const [p] = await s.propose(1);
        assertValidActions(decisions, p!.actions);
        assert.ok(!seen.has(actionsKey(p!.actions)), `${rollout}: proposal ${i} repeats ${actionsKey(p!.actions)}`);
        seen.add(actionsKey(p!.actions));
        await s.observe([{ actions: p!.actions, reward: i % 3, policyVersion: p!.policyVersion }]);
      }
      // All eight taken: the next proposal is necessarily a repeat, and the search does not fail.
      const [again] = await s.propose(1);
      assert.ok(seen.has(actionsKey(again!.actions)));
    }
  });

  it('spreads a batch by virtual loss and settles it when the rewards arrive', async () => {
    const s = new MctsStrategy(flat(3, 4), {}, 2);
    const batch = await s.propose(10);
    assert.equal(new Set(batch.map((p) => actionsKey(p.actions))).size, 10);
    let columns = tree(s);
    assert.equal(columns.virtual[0], 10, 'each proposal in flight is a virtual visit of the root');
    assert.equal(columns.visits[0], 0);
    await s.observe(batch.map((p) => ({ actions: p.actions, reward: syntheticReward(flat(3, 4), p.actions), policyVersion: p.policyVersion })));
    columns = tree(s);
    assert.ok(columns.virtual.every((v) => v === 0));
    assert.equal(columns.visits[0], 10);
    const sum = batch.reduce((a, p) => a + syntheticReward(flat(3, 4), p.actions), 0);
    assert.ok(Math.abs(columns.total[0]! - sum) < 1e-12);
  });

  it('keeps the tree within maxNodes and keeps searching below it', async () => {
    const decisions = flat(6, 5);
    const s = new MctsStrategy(decisions, { maxNodes: 25 }, 7);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const [p] = await s.propose(1);
      seen.add(actionsKey(p!.actions));
      await s.observe([{ actions: p!.actions, reward: syntheticReward(decisions, p!.actions), policyVersion: p!.policyVersion }]);
    }
    assert.equal(s.treeSize, 25);
    assert.equal(seen.size, 200, 'rollouts below a full tree still avoid repeats');
  });

  it('backs every reward up along the path, with the children summing to their parent', async () => {
    const s = new MctsStrategy(CONDITIONED, {}, 3);
    for (let i = 0; i < 60; i++) {
      const [p] = await s.propose(1);
      await s.observe([{ actions: p!.actions, reward: syntheticReward(CONDITIONED, p!.actions), policyVersion: p!.policyVersion }]);
    }
    const c = tree(s);
    assert.equal(c.visits[0], 60);
    for (let parent = 0; parent < c.parent.length; parent++) {
      const children = c.parent.map((p, i) => (p === parent ? i : -1)).filter((i) => i >= 0);
      if (children.length === 0) continue;
      // A node's visits are its children's plus those that left the tree at it (the visit that expanded a child is the child's too).
      const below = children.reduce((a, i) => a + c.visits[i]!, 0);
      assert.ok(below <= c.visits[parent]!, `node ${parent}: children ${below} > own ${c.visits[parent]}`);
    }
  });

  it('prefers the better subtree', async () => {
    // Only d0 matters: choice 2 pays 1, the others 0 (81 architectures under each choice, so none runs out).
    const decisions = flat(5, 3);
    const s = new MctsStrategy(decisions, { rollout: 'random' }, 1);
    const late: Actions[] = [];
    for (let i = 0; i < 60; i++) {
      const [p] = await s.propose(1);
      if (i >= 30) late.push(p!.actions);
      await s.observe([{ actions: p!.actions, reward: p!.actions[0] === 2 ? 1 : 0, policyVersion: p!.policyVersion }]);
    }
    const share = late.filter((a) => a[0] === 2).length / late.length;
    assert.ok(share > 0.6, `d0 = 2 in ${(share * 100).toFixed(0)} % of the late proposals (uniform: 33 %)`);
  });

  it('refuses a tree that does not fit the decision list', async () => {
    const s = new MctsStrategy(CONDITIONED, {}, 3);
    await s.observe((await s.propose(5)).map((p) => ({ actions: p.actions, reward: 1, policyVersion: p.policyVersion })));
    const good = s.snapshot();
    const state = good.state as { tree: TreeColumns };
    const wrongDecision = { ...good, state: { ...state, tree: { ...state.tree, decision: state.tree.decision.map((d, i) => (i === 1 ? d + 1 : d)) } } };
    assert.throws(() => s.restore(wrongDecision), SnapshotError);
    const cycle = { ...good, state: { ...state, tree: { ...state.tree, parent: state.tree.parent.map((p, i) => (i === 1 ? 3 : p)) } } };
    assert.throws(() => s.restore(cycle), SnapshotError);
    assert.deepEqual(s.snapshot(), good);
  });
});

describe('proposals in flight', () => {
  it('settles the oldest entry for an architecture and drops the oldest beyond its limit', () => {
    const inFlight = new InFlight(3);
    assert.equal(inFlight.add({ actions: [1], charged: [0] }), undefined);
    inFlight.add({ actions: [2], charged: [1] });
    inFlight.add({ actions: [1], charged: [2] });
    assert.deepEqual(inFlight.add({ actions: [3], charged: [3] }), { actions: [1], charged: [0] });
    assert.ok(inFlight.has('1'));
    assert.deepEqual(inFlight.settle([1]), { actions: [1], charged: [2] });
    assert.ok(!inFlight.has('1'));
    assert.equal(inFlight.settle([1]), undefined);
    assert.deepEqual(
      inFlight.entries.map((e) => e.actions),
      [[2], [3]],
    );
  });
});
