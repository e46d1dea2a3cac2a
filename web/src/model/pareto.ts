import type { Direction } from '../api/documents.js';

export interface CostPoint {
  readonly cost: number;
  readonly reward: number;
}

/**
 * The indices of the points no other point beats on both counts (lower or equal cost and
 * a better or equal reward, one of them strictly), ordered by cost: the trade-off curve
 * a constrained search is after.
 */
export function paretoFront(points: readonly CostPoint[], direction: Direction): number[] {
  const sign = direction === 'MAXIMIZE' ? 1 : -1;
  const order = points
    .map((_, i) => i)
    .sort((a, b) => points[a]!.cost - points[b]!.cost || sign * (points[b]!.reward - points[a]!.reward));
  const front: number[] = [];
  let best = Number.NEGATIVE_INFINITY;
  for (const i of order) {
    const score = sign * points[i]!.reward;
    if (score > best) {
      front.push(i);
      best = score;
    }
  }
  return front;
}
