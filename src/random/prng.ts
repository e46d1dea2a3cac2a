/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through splitmix32) whose
 * whole state is four 32-bit words, so a search can checkpoint it as JSON and continue
 * with exactly the numbers an uninterrupted run would have drawn. Math.random cannot be
 * seeded or saved, and tfjs' own seeded ops keep hidden state, so every random choice of
 * a strategy goes through one of these.
 */

/** The JSON form of a generator's state. */
export interface RandomState {
  readonly algorithm: 'xoshiro128**';
  readonly words: readonly [number, number, number, number];
}

const TWO_POW_32 = 0x1_0000_0000;

function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) >>> 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return { value: (z ^ (z >>> 16)) >>> 0, state: next };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(words: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  /**
   * Any safe integer is a seed (experiments store them as signed or unsigned numbers);
   * both 32-bit halves feed the state so seeds above 2^32 stay distinct.
   */
  static fromSeed(seed: number): Random {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let mix = (low ^ Math.imul(high, 0x27d4eb2d)) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const out = splitmix32(mix);
      mix = out.state;
      words.push(out.value);
    }
    // The all-zero state is the one fixed point of xoshiro; splitmix never yields four zeros, but be explicit.
    if (!words.some((w) => w !== 0)) words[0] = 1;
    return new Random([words[0]!, words[1]!, words[2]!, words[3]!]);
  }

  static fromState(state: RandomState): Random {
    if (state === null || typeof state !== 'object' || state.algorithm !== 'xoshiro128**' || !Array.isArray(state.words) || state.words.length !== 4) {
      throw new TypeError('not a xoshiro128** random state');
    }
    const words = state.words.map((w) => {
      if (!Number.isInteger(w) || w < 0 || w >= TWO_POW_32) throw new TypeError(`random state word out of range: ${String(w)}`);
      return w;
    });
    if (words.every((w) => w === 0)) throw new TypeError('random state must not be all zeros');
    return new Random([words[0]!, words[1]!, words[2]!, words[3]!]);
  }

  state(): RandomState {
    return { algorithm: 'xoshiro128**', words: [this.s0, this.s1, this.s2, this.s3] };
  }

  clone(): Random {
    return Random.fromState(this.state());
  }

  /** Uniform in [0, 2^32). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two draws). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new RangeError(`nextInt bound must be an integer in [1, 2^32], got ${n}`);
    if (n === 1) return 0;
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.nextFloat();
  }

  /** Standard normal (Box–Muller; the second variate is discarded so the state stays four words). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  categorical(weights: ArrayLike<number>): number {
    return categoricalFromUniform(weights, this.nextFloat());
  }
}

/**
 * Inverse-CDF sampling given a uniform draw `u` in [0, 1). Split from `Random` so a caller
 * can draw its uniforms up-front (in a fixed order) and sample later in any batch shape.
 */
export function categoricalFromUniform(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`categorical weight ${i} is not a finite non-negative number: ${w}`);
    total += w;
    if (w > 0) last = i;
  }
  if (!(total > 0)) throw new RangeError('categorical weights must not all be zero');
  const target = u * total;
  let cumulative = 0;
  for (let i = 0; i < weights.length; i++) {
    cumulative += weights[i]!;
    if (target < cumulative) return i;
  }
  // Rounding can leave target ≥ the running sum; the last positive weight is the right answer then.
  return last;
}
