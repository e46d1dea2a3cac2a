/**
 * Limits on what an architecture costs, folded into its reward. One definition for the
 * whole service: the tfjs-trainer evaluator reads the hard ones to skip training a child
 * that cannot win, and the experiment's finish rule (src/core/objective/finish-rule.ts)
 * folds all of them into every trial's reward, in-process and from workers alike.
 */
export type ConstraintMetric = 'params' | 'flops' | 'latencyMs';

/**
 * `soft`: MnasNet's `value × (cost / target)^weight` (weight ≈ -0.07, applied on both sides
 * of the target as in the paper's soft variant). `hard`: a cost over the target scores 0;
 * params, FLOPs and latency are known before training, so such a child is not trained.
 */
export interface Constraint {
  readonly metric: ConstraintMetric;
  readonly target: number;
  readonly mode: 'soft' | 'hard';
  readonly weight: number;
}

export type CostValues = Readonly<Partial<Record<ConstraintMetric, number | null | undefined>>>;

function measured(cost: CostValues, metric: ConstraintMetric): number | undefined {
  const value = cost[metric];
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** The first hard constraint the cost exceeds, if any. A constraint on a value that was not measured is ignored. */
export function violatedHardConstraint(constraints: readonly Constraint[], cost: CostValues): Constraint | undefined {
  return constraints.find((c) => {
    const value = measured(cost, c.metric);
    return c.mode === 'hard' && value !== undefined && value > c.target;
  });
}

/**
 * The product of the soft constraints' factors: below 1 for a child dearer than its
 * targets (with the usual negative weights), a little above 1 for a cheaper one. The
 * finish rule multiplies a maximised objective by it and divides a minimised one.
 */
export function softConstraintFactor(constraints: readonly Constraint[], cost: CostValues): number {
  let factor = 1;
  for (const c of constraints) {
    const value = measured(cost, c.metric);
    if (c.mode === 'soft' && value !== undefined) factor *= Math.pow(value / c.target, c.weight);
  }
  return factor;
}
