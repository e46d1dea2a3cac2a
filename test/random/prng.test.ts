import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Random, categoricalFromUniform } from '../../src/random/index.js';

describe('Random', () => {
  it('gives the same stream for the same seed and different streams for different seeds', () => {
    const draw = (seed: number): number[] => {
      const r = Random.fromSeed(seed);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    assert.deepEqual(draw(42), draw(42));
    assert.notDeepEqual(draw(42), draw(43));
    assert.notDeepEqual(draw(1), draw(2 ** 32 + 1), 'the high half of a seed matters');
    assert.notDeepEqual(draw(-1), draw(1));
  });

  it('continues exactly from a JSON round trip of its state', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat({ max: 50 }), (seed, skip) => {
        const a = Random.fromSeed(seed);
        for (let i = 0; i < skip; i++) a.nextFloat();
        const b = Random.fromState(JSON.parse(JSON.stringify(a.state())));
        for (let i = 0; i < 20; i++) assert.equal(a.nextFloat(), b.nextFloat());
      }),
    );
  });

  it('rejects bad seeds and states', () => {
    assert.throws(() => Random.fromSeed(1.5), RangeError);
    assert.throws(() => Random.fromSeed(Number.NaN), RangeError);
    assert.throws(() => Random.fromState({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0] }), TypeError);
    assert.throws(() => Random.fromState({ algorithm: 'xoshiro128**', words: [1, 2, 3, 2 ** 32] }), TypeError);
    assert.throws(() => Random.fromState(JSON.parse('{"algorithm":"mt","words":[1,2,3,4]}')), TypeError);
  });

  it('draws floats in [0, 1) and integers in [0, n) without visible bias', () => {
    const r = Random.fromSeed(7);
    const n = 6;
    const counts = new Array<number>(n).fill(0);
    const draws = 60_000;
    for (let i = 0; i < draws; i++) {
      const f = r.nextFloat();
      assert.ok(f >= 0 && f < 1);
      counts[r.nextInt(n)]!++;
    }
    // χ² with 5 degrees of freedom; 20.5 is its 0.999 quantile.
    const expected = draws / n;
    const chi2 = counts.reduce((a, c) => a + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 20.5, `chi2 ${chi2}`);
  });

  it('has a standard normal with mean ≈ 0 and variance ≈ 1', () => {
    const r = Random.fromSeed(3);
    const xs = Array.from({ length: 20_000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
  });

  it('samples categoricals by inverse CDF, never picking a zero weight', () => {
    assert.equal(categoricalFromUniform([1, 1], 0), 0);
    assert.equal(categoricalFromUniform([1, 1], 0.4999), 0);
    assert.equal(categoricalFromUniform([1, 1], 0.5), 1);
    assert.equal(categoricalFromUniform([0, 1, 0], 0), 1);
    assert.equal(categoricalFromUniform([1, 0], 0.9999999999999999), 0);
    assert.throws(() => categoricalFromUniform([0, 0], 0.5), RangeError);
    assert.throws(() => categoricalFromUniform([1, Number.NaN], 0.5), RangeError);
  });
});
