/**
 * Random search: every active decision uniformly, independently, from the seeded
 * generator. The baseline every other strategy has to beat; with no state but the
 * generator, its snapshot is tiny.
 */
import type { Decision } from '../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from './strategy.js';
import { Random } from '../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature, sampleUniformActions } from './actions.js';
import { assertCount, assertReward } from './checks.js';
import { resolveParams, type ResolvedParams } from './hyperparameters.js';
import { readInteger, readNullableNumber, readRandom, snapshotState } from './snapshot.js';

export const RANDOM_HYPERPARAMETERS = {} as const;
export type RandomHyperparameters = ResolvedParams<typeof RANDOM_HYPERPARAMETERS>;

const SNAPSHOT_VERSION = 1;

export class RandomStrategy implements SearchStrategy {
  readonly type = 'random';
  private readonly signature: string;
  private rng: Random;
  private observed = 0;
  private lastMeanReward: number | null = null;

  constructor(
    private readonly decisions: readonly Decision[],
    hyperparameters: Readonly<Record<string, unknown>> | undefined,
    seed: number,
  ) {
    assertValidDecisions(decisions);
    resolveParams(RANDOM_HYPERPARAMETERS, hyperparameters);
    this.signature = decisionSignature(decisions);
    this.rng = Random.fromSeed(seed);
  }

  async propose(count: number): Promise<Proposal[]> {
    assertCount(count);
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) proposals.push({ actions: sampleUniformActions(this.decisions, this.rng), logProb: 0, policyVersion: 0 });
    return proposals;
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    let sum = 0;
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
      sum += o.reward;
    }
    this.observed += observations.length;
    this.lastMeanReward = sum / observations.length;
  }

  snapshot(): StrategySnapshot {
    return {
      type: this.type,
      version: SNAPSHOT_VERSION,
      state: { signature: this.signature, rng: this.rng.state(), observed: this.observed, meanReward: this.lastMeanReward },
    };
  }

  restore(snapshot: StrategySnapshot): void {
    const state = snapshotState(snapshot, this.type, SNAPSHOT_VERSION, this.signature);
    const rng = readRandom(state, 'rng');
    const observed = readInteger(state, 'observed');
    const meanReward = readNullableNumber(state, 'meanReward');
    this.rng = rng;
    this.observed = observed;
    this.lastMeanReward = meanReward;
  }

  stats(): StrategyStats {
    return { step: this.observed, baseline: null, meanReward: this.lastMeanReward, entropy: null };
  }

  dispose(): void {}
}
