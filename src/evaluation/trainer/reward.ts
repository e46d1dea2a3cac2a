import type { Constraint, ConstraintMetric } from './config.js';

export type CostValues = Readonly<Record<ConstraintMetric, number | undefined>>;

/** True when a hard constraint is exceeded, so training the child would be wasted work. */
export function violatesHardConstraint(constraints: readonly Constraint[], cost: CostValues): Constraint | undefined {
  return constraints.find((c) => c.mode === 'hard' && (cost[c.metric] ?? 0) > c.target);
}

/**
 * Folds constraints into the accuracy: each soft constraint multiplies by
 * (value / target)^weight (MnasNet), a violated hard one zeroes the reward. A constraint
 * on a value that was not measured (latency with measurement off) is ignored.
 */
export function constrainedReward(accuracy: number, constraints: readonly Constraint[], cost: CostValues): number {
  let reward = accuracy;
  for (const c of constraints) {
    const value = cost[c.metric];
    if (value === undefined || !(value > 0)) continue;
    if (c.mode === 'hard') {
      if (value > c.target) return 0;
    } else {
      reward *= Math.pow(value / c.target, c.weight);
    }
  }
  return reward;
}
