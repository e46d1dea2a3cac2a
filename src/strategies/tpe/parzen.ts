/**
 * The categorical Parzen estimator of multivariate TPE, as Optuna builds it for
 * categorical parameters: a mixture with one kernel per trial plus one uniform prior
 * kernel, each kernel a product over the group's decisions.
 *
 * Trial j's kernel puts, at decision d with K_d choices, mass proportional to 1 + p/(m+1)
 * on the choice trial j took and p/(m+1) on every other (p the prior weight, m the number
 * of trials): a smoothed one-hot, so no choice ever has probability 0. Kernel weights
 * favour recent trials once there are more than 25 (Optuna's `default_weights`: a linear
 * ramp from 1/m over the oldest m − 25, then flat), and the prior kernel weighs p.
 *
 * A product kernel marginalises by dropping factors, so a candidate in which some of the
 * group's decisions do not apply is scored on the others alone.
 */
import type { Actions } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';
import type { Random } from '../../random/index.js';

const RECENT = 25;

/** Optuna's `default_weights(m)`: ones up to 25 trials; beyond, a ramp 1/m … 1 over the oldest m − 25 and ones for the newest 25. */
export function trialWeights(m: number): number[] {
  if (m < RECENT) return new Array<number>(m).fill(1);
  const ramp = m - RECENT;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / m : 1 / m + (i * (1 - 1 / m)) / (ramp - 1));
  for (let i = 0; i < RECENT; i++) out.push(1);
  return out;
}

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

export class CategoricalParzen {
  /** Natural log of each kernel's mixture weight; the last kernel is the prior. */
  private readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  /** Per group position: log of a trial kernel's mass on its own choice, and on each other choice. */
  private readonly logHit: Float64Array;
  private readonly logMiss: Float64Array;
  private readonly hit: Float64Array;
  private readonly logUniform: Float64Array;
  private readonly scratch: Float64Array;

  /**
   * @param dims the group's decision indices
   * @param choices choice count of every decision (indexed by decision)
   * @param trials action sequences in which every decision of `dims` applied, oldest first
   */
  constructor(
    private readonly dims: readonly number[],
    private readonly choices: readonly number[],
    private readonly trials: readonly Actions[],
    priorWeight: number,
  ) {
    const m = trials.length;
    const raw = [...trialWeights(m), priorWeight];
    const total = raw.reduce((a, b) => a + b, 0);
    this.weights = Float64Array.from(raw, (w) => w / total);
    this.logWeights = Float64Array.from(this.weights, (w) => Math.log(w));
    const spread = priorWeight / (m + 1);
    this.logHit = new Float64Array(dims.length);
    this.logMiss = new Float64Array(dims.length);
    this.hit = new Float64Array(dims.length);
    this.logUniform = new Float64Array(dims.length);
    dims.forEach((d, i) => {
      const k = choices[d]!;
      const norm = 1 + k * spread;
      this.hit[i] = (1 + spread) / norm;
      this.logHit[i] = Math.log(this.hit[i]!);
      this.logMiss[i] = Math.log(spread / norm);
      this.logUniform[i] = -Math.log(k);
    });
    this.scratch = new Float64Array(m + 1);
  }

  /** A kernel index drawn by mixture weight; `trials.length` is the prior. */
  sampleKernel(rng: Random): number {
    return rng.categorical(this.weights);
  }

  /** A choice for the group's `position`-th decision from kernel `kernel`. */
  sampleChoice(kernel: number, position: number, rng: Random): number {
    const k = this.choices[this.dims[position]!]!;
    if (kernel === this.trials.length) return rng.nextInt(k);
    const own = this.trials[kernel]![this.dims[position]!]!;
    // Own choice with its mass, otherwise uniform over the k − 1 others (each has the same mass).
    if (k === 1 || rng.nextFloat() < this.hit[position]!) return own;
    const other = rng.nextInt(k - 1);
    return other >= own ? other + 1 : other;
  }

  /** log density of `actions` on the group's decisions that apply in it (all others marginalised out). */
  logPdf(actions: Actions): number {
    const m = this.trials.length;
    let prior = this.logWeights[m]!;
    for (let i = 0; i < this.dims.length; i++) if (actions[this.dims[i]!] !== INACTIVE) prior += this.logUniform[i]!;
    this.scratch[m] = prior;
    for (let j = 0; j < m; j++) {
      const trial = this.trials[j]!;
      let s = this.logWeights[j]!;
      for (let i = 0; i < this.dims.length; i++) {
        const d = this.dims[i]!;
        const a = actions[d]!;
        if (a === INACTIVE) continue;
        s += a === trial[d] ? this.logHit[i]! : this.logMiss[i]!;
      }
      this.scratch[j] = s;
    }
    return logSumExp(this.scratch);
  }
}
