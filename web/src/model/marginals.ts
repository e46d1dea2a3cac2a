import type { Decision, TrialPoint } from '../api/documents.js';

export interface ChoiceEffect {
  readonly choice: number;
  readonly trials: number;
  /** Mean reward of the scored trials that took this choice; null when none did. */
  readonly mean: number | null;
}

export interface DecisionEffect {
  readonly decision: Decision;
  readonly choices: readonly ChoiceEffect[];
  /** Trials where the decision did not apply (a condition was false). */
  readonly inactive: number;
  /** Best mean minus worst mean over the choices taken: how much this decision matters. */
  readonly spread: number;
}

/**
 * Each decision's marginal effect: the mean reward of the evaluated trials that took
 * each of its choices, which shows which choices pay. Answered duplicates are left out,
 * so an architecture proposed ten times is counted once.
 */
export function marginalEffects(decisions: readonly Decision[], trials: readonly TrialPoint[]): DecisionEffect[] {
  const scored = trials.filter((t) => t.reward !== null && t.duplicateOfId === null && (t.status === 'SUCCEEDED' || t.status === 'PRUNED'));
  return decisions.map((decision) => {
    const sums = decision.choices.map(() => 0);
    const counts = decision.choices.map(() => 0);
    let inactive = 0;
    for (const trial of scored) {
      const action = trial.actions[decision.index];
      if (action === undefined || action < 0 || action >= counts.length) inactive += 1;
      else {
        sums[action]! += trial.reward!;
        counts[action]! += 1;
      }
    }
    const choices = counts.map((n, choice) => ({ choice, trials: n, mean: n === 0 ? null : sums[choice]! / n }));
    const means = choices.flatMap((c) => (c.mean === null ? [] : [c.mean]));
    return { decision, choices, inactive, spread: means.length < 2 ? 0 : Math.max(...means) - Math.min(...means) };
  });
}
