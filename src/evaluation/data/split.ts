import { DatasetError } from './dataset.js';
import { createRng, shuffleInPlace } from './prng.js';

/**
 * Orders indices so that every prefix is (nearly) stratified: each class's indices are
 * shuffled, then all are merged by their rank fraction (r + 0.5) / n_class. Taking the
 * first k of this order is how subsets are chosen, so a 1,000-sample subset has the same
 * class mix as the whole split, and a larger subset contains the smaller one.
 */
export function stratifiedOrder(labels: Int32Array, indices: Int32Array, seed: number): Int32Array {
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  for (const i of indices) {
    const c = labels[i];
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const keyed: { index: number; key: number; tie: number }[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const list = byClass.get(c) as number[];
    shuffleInPlace(list, rng);
    const tie = rng();
    list.forEach((index, r) => keyed.push({ index, key: (r + 0.5) / list.length, tie }));
  }
  keyed.sort((a, b) => a.key - b.key || a.tie - b.tie);
  return Int32Array.from(keyed, (k) => k.index);
}

export interface TrainValidationSplit {
  /** Stratified order: take a prefix for a subset. */
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/**
 * Puts round(fraction × n_class) samples of every class in validation (at least one per
 * class when the class has two or more samples), the rest in train. `indices` limits the
 * split to those samples (what is left after the test hold-out); absent: all of them.
 */
export function stratifiedSplit(labels: Int32Array, validationFraction: number, seed: number, indices?: Int32Array): TrainValidationSplit {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new DatasetError('split', `validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const all = indices ?? Int32Array.from({ length: labels.length }, (_, i) => i);
  const order = stratifiedOrder(labels, all, seed);
  const counts = new Map<number, number>();
  for (const i of all) counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1);
  const quota = new Map<number, number>();
  for (const [c, n] of counts) quota.set(c, n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(validationFraction * n))));
  const train: number[] = [];
  const validation: number[] = [];
  for (const i of order) {
    const c = labels[i];
    const q = quota.get(c) as number;
    if (q > 0) {
      validation.push(i);
      quota.set(c, q - 1);
    } else {
      train.push(i);
    }
  }
  return {
    train: stratifiedOrder(labels, Int32Array.from(train), seed + 1),
    validation: stratifiedOrder(labels, Int32Array.from(validation), seed + 2),
  };
}

/** The first `size` indices of a stratified order (all of them when size is absent or larger). */
export function takeSubset(order: Int32Array, size?: number): Int32Array {
  if (size === undefined || size >= order.length) return order;
  if (!Number.isInteger(size) || size < 1) throw new DatasetError('subset', `subset size must be a positive integer, got ${size}`);
  return order.subarray(0, size);
}
