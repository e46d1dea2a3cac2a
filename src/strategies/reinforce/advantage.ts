/**
 * From raw rewards to the advantages REINFORCE weights log-probabilities with:
 * an optional transform (Zoph & Le cubed validation accuracy to favour the top end),
 * an exponential-moving-average baseline (variance reduction), and an optional running
 * normalisation that makes the learning rate independent of the reward's scale (accuracy
 * in %, in [0, 1], or a user's own metric).
 */

export type RewardTransform = 'identity' | 'cube';
export type RewardNormalization = 'none' | 'running';

export interface AdvantageSettings {
  readonly transform: RewardTransform;
  readonly normalization: RewardNormalization;
  /** γ in b ← γ·b + (1 − γ)·R; the running variance uses the same decay. */
  readonly baselineDecay: number;
}

export interface AdvantageState {
  /** In transformed units; null until the first update. */
  readonly baseline: number | null;
  /** EMA of (R − b)² (not bias-corrected). */
  readonly variance: number;
  /** Rewards folded into `variance`, for its bias correction. */
  readonly count: number;
}

export function transformReward(reward: number, transform: RewardTransform): number {
  return transform === 'cube' ? reward * reward * reward : reward;
}

export class AdvantageEstimator {
  private baselineValue: number | null;
  private variance: number;
  private count: number;

  constructor(
    private readonly settings: AdvantageSettings,
    state: AdvantageState = { baseline: null, variance: 0, count: 0 },
  ) {
    this.baselineValue = state.baseline;
    this.variance = state.variance;
    this.count = state.count;
  }

  get baseline(): number | null {
    return this.baselineValue;
  }

  state(): AdvantageState {
    return { baseline: this.baselineValue, variance: this.variance, count: this.count };
  }

  /**
   * Advantages of one update's rewards against the baseline as it stood before them; then
   * folds them into the baseline. The very first batch starts the baseline at its own
   * mean: starting at 0 would make every early advantage hugely positive.
   */
  advantages(rewards: readonly number[]): number[] {
    const gamma = this.settings.baselineDecay;
    const transformed = rewards.map((r) => transformReward(r, this.settings.transform));
    const baseline = this.baselineValue ?? transformed.reduce((a, b) => a + b, 0) / transformed.length;
    let advantages = transformed.map((r) => r - baseline);
    if (this.settings.normalization === 'running') {
      for (const d of advantages) {
        this.variance = gamma * this.variance + (1 - gamma) * d * d;
        this.count++;
      }
      const std = Math.sqrt(this.variance / (1 - gamma ** this.count));
      advantages = advantages.map((d) => (std > 0 ? d / std : 0));
    }
    let b = baseline;
    for (const r of transformed) b = gamma * b + (1 - gamma) * r;
    this.baselineValue = b;
    return advantages;
  }
}
