import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stratifiedOrder, stratifiedSplit, takeSubset } from '../../../src/evaluation/data/split.js';

function counts(labels: Int32Array, idx: Int32Array): Map<number, number> {
  const m = new Map<number, number>();
  for (const i of idx) m.set(labels[i], (m.get(labels[i]) ?? 0) + 1);
  return m;
}

test('stratified split: disjoint, complete, per-class fraction within one sample', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 10, maxLength: 300 }),
      fc.double({ min: 0.05, max: 0.5, noNaN: true }),
      fc.nat(),
      (raw, fraction, seed) => {
        const labels = Int32Array.from(raw);
        const { train, validation } = stratifiedSplit(labels, fraction, seed);
        assert.equal(train.length + validation.length, labels.length);
        assert.equal(new Set([...train, ...validation]).size, labels.length);
        const all = counts(labels, Int32Array.from(labels.keys()));
        const val = counts(labels, validation);
        for (const [c, n] of all) {
          const v = val.get(c) ?? 0;
          if (n >= 2) assert.ok(v >= 1 && v <= n - 1 && Math.abs(v - fraction * n) <= 1, `class ${c}: ${v} of ${n}`);
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('the split is a pure function of the seed', () => {
  const labels = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 5);
  assert.deepEqual(stratifiedSplit(labels, 0.2, 3), stratifiedSplit(labels, 0.2, 3));
  assert.notDeepEqual(stratifiedSplit(labels, 0.2, 3).validation, stratifiedSplit(labels, 0.2, 4).validation);
});

test('every prefix of a stratified order keeps the class mix, so subsets are stratified and nested', () => {
  // Imbalanced: class 0 is 60 %, class 1 30 %, class 2 10 %.
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
  const order = stratifiedOrder(labels, Int32Array.from(labels.keys()), 1);
  for (const k of [10, 50, 100, 333]) {
    const c = counts(labels, takeSubset(order, k));
    assert.ok(Math.abs((c.get(0) ?? 0) - 0.6 * k) <= 1.5, `k=${k}: ${[...c]}`);
    assert.ok(Math.abs((c.get(2) ?? 0) - 0.1 * k) <= 1.5, `k=${k}: ${[...c]}`);
  }
  assert.deepEqual(takeSubset(order, 100).subarray(0, 50), takeSubset(order, 50));
  assert.equal(takeSubset(order, 5000), order);
  assert.throws(() => stratifiedSplit(labels, 1, 0), /validationFraction must be in \(0, 1\)/);
});
