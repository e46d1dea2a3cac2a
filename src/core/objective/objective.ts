import type { Objective, ObjectiveDirection } from '../storage/records.js';

/**
 * The objective's direction, decided here and nowhere else: which of two values is better,
 * whether the goal is reached, and what the strategies see (they all maximise).
 */
export function isBetter(direction: ObjectiveDirection, a: number, b: number): boolean {
  return direction === 'MAXIMIZE' ? a > b : a < b;
}

/** The best of `values` (at least one). */
export function bestOf(direction: ObjectiveDirection, values: readonly number[]): number {
  return values.reduce((best, v) => (isBetter(direction, v, best) ? v : best));
}

export function reachesGoal(objective: Objective, value: number): boolean {
  return objective.goal !== null && (value === objective.goal || isBetter(objective.direction, value, objective.goal));
}

/** Strategies maximise what they observe: a minimised objective is observed negated. */
export function strategyReward(objective: Objective, reward: number): number {
  return objective.direction === 'MAXIMIZE' ? reward : -reward;
}
