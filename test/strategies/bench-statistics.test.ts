import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTSurvival, summarize, welchGreater } from '../../bench/search/statistics.js';

const close = (a: number, b: number, tol: number): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe('benchmark statistics', () => {
  it('computes ln Γ and the incomplete beta function', () => {
    close(logGamma(5), Math.log(24), 1e-12);
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12);
    close(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-12);
    close(regularizedIncompleteBeta(0.4, 2, 3), 0.5248, 1e-12); // Σ_{j=2..4} C(4,j) x^j (1−x)^(4−j)
  });

  it("matches Student's t quantiles from tables", () => {
    close(studentTCdf(0, 7), 0.5, 1e-12);
    close(studentTCdf(1.812461, 10), 0.95, 1e-6);
    close(studentTCdf(2.042272, 30), 0.975, 1e-6);
    close(studentTCdf(-2.570582, 5), 0.025, 1e-6);
    close(studentTCdf(1.959964, 1e7), 0.975, 1e-5);
    // Far tails keep their relative precision (as 1 − CDF this would be 0); reference: scipy.stats.t.sf(12, 80).
    const far = studentTSurvival(12, 80);
    assert.ok(Math.abs(far / 7.157049412154109e-20 - 1) < 1e-6, `${far}`);
    close(studentTSurvival(-1.812461, 10), 0.95, 1e-6);
  });

  it("runs Welch's test", () => {
    assert.deepEqual(summarize([1, 2, 3]), { mean: 2, std: 1, n: 3 });
    const a = [5.1, 4.9, 5.6, 5.8, 6.0, 5.5];
    const b = [4.8, 5.0, 4.7, 5.2, 4.9, 5.1, 4.6];
    const r = welchGreater(a, b);
    // Reference: scipy.stats.ttest_ind(a, b, equal_var=False, alternative='greater').
    close(r.t, 3.091178127, 1e-6);
    close(r.df, 7.248086903, 1e-6);
    close(r.pGreater, 0.008394332, 1e-6);
    assert.ok(welchGreater(b, a).pGreater > 0.99);
  });
});
