/**
 * Regularized evolution (Real et al., "Regularized Evolution for Image Classifier
 * Architecture Search", AAAI 2019): a FIFO population; each child is a one-decision
 * mutation of the best of a random tournament; the OLDEST member dies, not the worst
 * (the "regularization": good architectures must keep being re-discovered to survive).
 *
 * Asynchronous by construction, as in the paper: the first `populationSize` proposals
 * are random; afterwards a proposal mutates a tournament winner of whatever population
 * has been observed so far, and each observation joins the population as it arrives.
 */
import type { Decision } from '../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from './strategy.js';
import { Random } from '../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature, isActive, repairActions, sampleUniformActions } from './actions.js';
import { assertCount, assertReward } from './checks.js';
import { resolveParams, StrategyConfigError, type ResolvedParams } from './hyperparameters.js';
import { readInteger, readNullableNumber, readObservations, readRandom, snapshotState, SnapshotError, type StoredObservation } from './snapshot.js';

export const EVOLUTION_HYPERPARAMETERS = {
  populationSize: {
    kind: 'integer',
    default: 20,
    min: 2,
    max: 100_000,
    description: 'Members kept alive; also the number of random proposals that seed the population.',
  },
  sampleSize: {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 100_000,
    description: 'Tournament size: members drawn (with replacement) per child; the best one is mutated. At most populationSize.',
  },
} as const;
export type EvolutionHyperparameters = ResolvedParams<typeof EVOLUTION_HYPERPARAMETERS>;

const SNAPSHOT_VERSION = 1;

export function resolveEvolutionHyperparameters(input: unknown): EvolutionHyperparameters {
  const params = resolveParams(EVOLUTION_HYPERPARAMETERS, input);
  if (params.sampleSize > params.populationSize) {
    throw StrategyConfigError.at('hyperparameters.sampleSize', `must not exceed populationSize (${params.populationSize}), got ${params.sampleSize}`);
  }
  return params;
}

/**
 * Changes one active decision that has an alternative to a different choice, then repairs
 * the decisions after it (a change can switch later decisions on or off). Returns the
 * parent unchanged only when no decision has an alternative.
 */
export function mutate(decisions: readonly Decision[], parent: readonly number[], rng: Random): number[] {
  const child = [...parent];
  const mutable: number[] = [];
  for (let i = 0; i < decisions.length; i++) {
    if (isActive(decisions[i]!, child) && decisions[i]!.choices.length > 1) mutable.push(i);
  }
  if (mutable.length === 0) return child;
  const at = mutable[rng.nextInt(mutable.length)]!;
  const k = decisions[at]!.choices.length;
  // Draw among the k−1 other choices so the child always differs at `at`.
  const shift = 1 + rng.nextInt(k - 1);
  child[at] = (child[at]! + shift) % k;
  repairActions(decisions, child, at + 1, rng);
  return child;
}

export class EvolutionStrategy implements SearchStrategy {
  readonly type = 'evolution';
  private params: EvolutionHyperparameters;
  private readonly signature: string;
  private rng: Random;
  /** Oldest first. */
  private population: StoredObservation[] = [];
  private proposed = 0;
  private observed = 0;
  private lastMeanReward: number | null = null;

  constructor(
    private readonly decisions: readonly Decision[],
    hyperparameters: Readonly<Record<string, unknown>> | undefined,
    seed: number,
  ) {
    assertValidDecisions(decisions);
    this.params = resolveEvolutionHyperparameters(hyperparameters);
    this.signature = decisionSignature(decisions);
    this.rng = Random.fromSeed(seed);
  }

  get hyperparameters(): EvolutionHyperparameters {
    return this.params;
  }

  async propose(count: number): Promise<Proposal[]> {
    assertCount(count);
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) {
      // Until something has been observed there is nothing to mutate, whatever the count.
      const actions =
        this.proposed < this.params.populationSize || this.population.length === 0
          ? sampleUniformActions(this.decisions, this.rng)
          : mutate(this.decisions, this.tournament().actions, this.rng);
      this.proposed++;
      proposals.push({ actions, logProb: 0, policyVersion: this.observed });
    }
    return proposals;
  }

  private tournament(): StoredObservation {
    let best: StoredObservation | undefined;
    for (let i = 0; i < this.params.sampleSize; i++) {
      const candidate = this.population[this.rng.nextInt(this.population.length)]!;
      if (best === undefined || candidate.reward > best.reward) best = candidate;
    }
    return best!;
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
    }
    let sum = 0;
    for (const o of observations) {
      this.population.push({ actions: [...o.actions], reward: o.reward, policyVersion: o.policyVersion });
      if (this.population.length > this.params.populationSize) this.population.shift();
      sum += o.reward;
    }
    this.observed += observations.length;
    this.lastMeanReward = sum / observations.length;
  }

  /** Current members, oldest first (for tests and dashboards). */
  members(): readonly StoredObservation[] {
    return this.population;
  }

  snapshot(): StrategySnapshot {
    return {
      type: this.type,
      version: SNAPSHOT_VERSION,
      state: {
        signature: this.signature,
        hyperparameters: this.params,
        rng: this.rng.state(),
        population: this.population,
        proposed: this.proposed,
        observed: this.observed,
        meanReward: this.lastMeanReward,
      },
    };
  }

  /** Continues with the snapshot's hyperparameters, so a resumed search behaves exactly like the original. */
  restore(snapshot: StrategySnapshot): void {
    const state = snapshotState(snapshot, this.type, SNAPSHOT_VERSION, this.signature);
    let hyperparameters: EvolutionHyperparameters;
    try {
      hyperparameters = resolveEvolutionHyperparameters(state.hyperparameters);
    } catch (error) {
      throw new SnapshotError('state.hyperparameters', (error as Error).message);
    }
    const population = readObservations(state, 'population');
    population.forEach((m) => assertValidActions(this.decisions, m.actions));
    const restored = {
      rng: readRandom(state, 'rng'),
      proposed: readInteger(state, 'proposed'),
      observed: readInteger(state, 'observed'),
      meanReward: readNullableNumber(state, 'meanReward'),
    };
    this.params = hyperparameters;
    this.population = population;
    this.rng = restored.rng;
    this.proposed = restored.proposed;
    this.observed = restored.observed;
    this.lastMeanReward = restored.meanReward;
  }

  stats(): StrategyStats {
    return { step: this.observed, baseline: null, meanReward: this.lastMeanReward, entropy: null };
  }

  dispose(): void {}
}
