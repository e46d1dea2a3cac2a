import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Random, deriveSeed, experimentSeeds, trialStreams } from '../../src/random/index.js';

/** Pearson correlation of two equally long samples. */
function correlation(a: readonly number[], b: readonly number[]): number {
  const mean = (x: readonly number[]) => x.reduce((s, v) => s + v, 0) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

const firstDraw = (seed: number) => Random.fromSeed(seed).nextFloat();

describe('the one seed derivation', () => {
  test('stable: the same path under the same seed is the same seed, on every run and build', () => {
    assert.equal(deriveSeed(7, 'trial', 3), deriveSeed(7, 'trial', 3));
    // Pinned, so that a change of the derivation (which would change every search's trials) is deliberate.
    assert.equal(deriveSeed(1, 'strategy'), 1206175639014307);
    assert.equal(deriveSeed(11, 'trial', 1), 4021137911756249);
    assert.deepEqual(experimentSeeds(42).trial(5), deriveSeed(42, 'trial', 5));
    assert.equal(trialStreams(9).init, deriveSeed(9, 'init'));
  });

  test('distinct: purposes, labels, numbers against their strings, seeds and signs all differ', () => {
    const seeds = [
      deriveSeed(1, 'strategy'),
      deriveSeed(1, 'data'),
      deriveSeed(1, 'trial', 1),
      deriveSeed(1, 'trial', '1'),
      deriveSeed(1, 'trial', 2),
      deriveSeed(2, 'trial', 1),
      deriveSeed(-1, 'trial', 1),
      deriveSeed(2 ** 32 + 1, 'trial', 1),
      deriveSeed(1, 'trial', 1, 'init'),
    ];
    assert.equal(new Set(seeds).size, seeds.length);
    for (const s of seeds) assert.ok(Number.isSafeInteger(s) && s >= 0 && s < 2 ** 52);
  });

  test('no two trials of a 100,000-trial experiment share a seed', () => {
    const seeds = experimentSeeds(123);
    const all = new Set<number>();
    for (let sequence = 1; sequence <= 100_000; sequence++) all.add(seeds.trial(sequence));
    assert.equal(all.size, 100_000);
  });

  test('independent: streams of neighbouring trials, and a trial\'s init and shuffle streams, are uncorrelated', () => {
    const seeds = experimentSeeds(2026);
    const n = 2000;
    const trials = Array.from({ length: n + 1 }, (_, i) => seeds.trial(i + 1));
    const init = trials.map((t) => firstDraw(trialStreams(t).init));
    const shuffle = trials.map((t) => firstDraw(trialStreams(t).shuffle));
    const dropout = trials.map((t) => firstDraw(trialStreams(t).dropout));
    // |r| of independent uniform samples of 2,000 stays below 0.08 with probability > 0.999.
    assert.ok(Math.abs(correlation(init, shuffle)) < 0.08, 'init vs shuffle');
    assert.ok(Math.abs(correlation(init, dropout)) < 0.08, 'init vs dropout');
    assert.ok(Math.abs(correlation(init.slice(0, n), init.slice(1))) < 0.08, 'trial n vs trial n+1');
    // And uniform: a chi-square over ten bins (9 degrees of freedom; 27.9 is p = 0.001).
    const bins = new Array<number>(10).fill(0);
    for (const u of init) bins[Math.floor(u * 10)]! += 1;
    const expected = init.length / 10;
    const chi2 = bins.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 27.9, `chi-square ${chi2.toFixed(1)}`);
  });
});
