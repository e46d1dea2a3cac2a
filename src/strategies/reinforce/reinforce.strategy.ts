/**
 * The REINFORCE controller as a SearchStrategy: proposals are sampled from the LSTM
 * policy with the seeded generator; observations buffer until `batchSize` are available,
 * then each full batch is one policy update (the policy version counts updates).
 *
 * Rewards of proposals sampled by an older policy version are used as they are (no
 * importance weights), as in ENAS and asynchronous Zoph & Le: with small learning rates
 * between versions the bias is small, and dropping them would waste evaluations.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Decision } from '../../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from '../strategy.js';
import { Random } from '../../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature } from '../actions.js';
import { assertCount, assertReward } from '../checks.js';
import {
  readArray,
  readInteger,
  readNullableNumber,
  readNumber,
  readObject,
  readObservations,
  readRandom,
  snapshotState,
  SnapshotError,
  type StoredObservation,
} from '../snapshot.js';
import { Adam } from './adam.js';
import { AdvantageEstimator } from './advantage.js';
import { clipByGlobalNorm } from './gradient-clipping.js';
import { resolveReinforceHyperparameters, type ReinforceHyperparameters } from './hyperparameters.js';
import { reinforceLoss } from './loss.js';
import { LstmPolicy } from './policy.js';
import { decodeFloat32, encodeFloat32 } from './weights-codec.js';

const SNAPSHOT_VERSION = 1;
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

export class ReinforceStrategy implements SearchStrategy {
  readonly type = 'reinforce';
  private params: ReinforceHyperparameters;
  private readonly signature: string;
  private rng: Random;
  private policy: LstmPolicy;
  private optimizer: Adam;
  private advantage: AdvantageEstimator;
  private pending: StoredObservation[] = [];
  private step = 0;
  private lastMeanReward: number | null = null;
  private lastEntropy: number | null = null;
  private disposed = false;

  constructor(
    private readonly decisions: readonly Decision[],
    hyperparameters: Readonly<Record<string, unknown>> | undefined,
    seed: number,
  ) {
    assertValidDecisions(decisions);
    this.params = resolveReinforceHyperparameters(hyperparameters);
    this.signature = decisionSignature(decisions);
    this.rng = Random.fromSeed(seed);
    this.policy = new LstmPolicy(decisions, this.params, this.rng);
    this.optimizer = this.newOptimizer();
    this.advantage = this.newAdvantage();
  }

  get hyperparameters(): ReinforceHyperparameters {
    return this.params;
  }

  private newOptimizer(): Adam {
    return new Adam(this.policy.variables, { learningRate: this.params.learningRate, ...ADAM });
  }

  private newAdvantage(state?: ConstructorParameters<typeof AdvantageEstimator>[1]): AdvantageEstimator {
    const p = this.params;
    return new AdvantageEstimator({ transform: p.rewardTransform, normalization: p.rewardNormalization, baselineDecay: p.baselineDecay }, state);
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('reinforce strategy used after dispose()');
  }

  async propose(count: number): Promise<Proposal[]> {
    this.assertLive();
    assertCount(count);
    // One uniform per decision per architecture, drawn up front in architecture order, so
    // propose(2) and propose(1) twice consume the same numbers.
    const uniforms = Array.from({ length: count }, () => this.decisions.map(() => this.rng.nextFloat()));
    return this.policy.sample(uniforms).map((s) => ({ actions: s.actions, logProb: s.logProb, policyVersion: this.step }));
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    this.assertLive();
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
    }
    for (const o of observations) this.pending.push({ actions: [...o.actions], reward: o.reward, policyVersion: o.policyVersion });
    while (this.pending.length >= this.params.batchSize) this.update(this.pending.splice(0, this.params.batchSize));
  }

  private update(batch: readonly StoredObservation[]): void {
    const rewards = batch.map((o) => o.reward);
    const advantages = this.advantage.advantages(rewards);
    const variables = this.policy.variables;
    const entropy = tf.tidy(() => {
      let meanEntropy: tf.Scalar | undefined;
      const { grads } = tf.variableGrads(() => {
        const scores = this.policy.score(batch.map((o) => o.actions));
        meanEntropy = tf.keep(tf.mean(scores.entropy) as tf.Scalar);
        return reinforceLoss(scores, advantages, this.params.entropyWeight);
      }, variables);
      let gradients = variables.map((v) => grads[v.name]!);
      if (this.params.gradientClipNorm !== null) gradients = clipByGlobalNorm(gradients, this.params.gradientClipNorm).clipped;
      this.optimizer.apply(gradients);
      return meanEntropy!;
    });
    this.lastEntropy = entropy.dataSync()[0]!;
    entropy.dispose();
    this.lastMeanReward = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    this.step++;
  }

  snapshot(): StrategySnapshot {
    this.assertLive();
    const encode = (vars: readonly tf.Variable[]): string[] => vars.map((v) => encodeFloat32(v.dataSync() as Float32Array));
    return {
      type: this.type,
      version: SNAPSHOT_VERSION,
      state: {
        signature: this.signature,
        hyperparameters: this.params,
        step: this.step,
        rng: this.rng.state(),
        weights: encode(this.policy.variables),
        adam: { step: this.optimizer.step, firstMoments: encode(this.optimizer.firstMoments), secondMoments: encode(this.optimizer.secondMoments) },
        advantage: this.advantage.state(),
        pending: this.pending,
        meanReward: this.lastMeanReward,
        entropy: this.lastEntropy,
      },
    };
  }

  /**
   * Replaces the whole state, hyperparameters included (a resumed search continues exactly
   * as the original would have, whatever this instance was constructed with).
   */
  restore(snapshot: StrategySnapshot): void {
    this.assertLive();
    const state = snapshotState(snapshot, this.type, SNAPSHOT_VERSION, this.signature);
    let params: ReinforceHyperparameters;
    try {
      params = resolveReinforceHyperparameters(state.hyperparameters);
    } catch (error) {
      throw new SnapshotError('state.hyperparameters', (error as Error).message);
    }
    const adamState = readObject(state, 'adam');
    const advantageState = readObject(state, 'advantage');
    const pending = readObservations(state, 'pending');
    pending.forEach((o) => assertValidActions(this.decisions, o.actions));
    const parsed = {
      step: readInteger(state, 'step'),
      rng: readRandom(state, 'rng'),
      adamStep: readInteger(adamState, 'step', 'state.adam'),
      advantage: {
        baseline: readNullableNumber(advantageState, 'baseline', 'state.advantage'),
        variance: readNumber(advantageState, 'variance', 'state.advantage'),
        count: readInteger(advantageState, 'count', 'state.advantage'),
      },
      meanReward: readNullableNumber(state, 'meanReward'),
      entropy: readNullableNumber(state, 'entropy'),
    };
    // Build the new policy and optimizer completely before touching this instance, so a bad snapshot leaves it intact.
    const policy = new LstmPolicy(this.decisions, params, Random.fromSeed(0));
    const optimizer = new Adam(policy.variables, { learningRate: params.learningRate, ...ADAM });
    try {
      loadInto(policy.variables, readArray(state, 'weights'), 'state.weights');
      loadInto(optimizer.firstMoments, readArray(adamState, 'firstMoments', 'state.adam'), 'state.adam.firstMoments');
      loadInto(optimizer.secondMoments, readArray(adamState, 'secondMoments', 'state.adam'), 'state.adam.secondMoments');
    } catch (error) {
      policy.dispose();
      optimizer.dispose();
      throw error;
    }
    optimizer.step = parsed.adamStep;
    this.policy.dispose();
    this.optimizer.dispose();
    this.params = params;
    this.policy = policy;
    this.optimizer = optimizer;
    this.advantage = this.newAdvantage(parsed.advantage);
    this.pending = pending;
    this.step = parsed.step;
    this.rng = parsed.rng;
    this.lastMeanReward = parsed.meanReward;
    this.lastEntropy = parsed.entropy;
  }

  stats(): StrategyStats {
    return { step: this.step, baseline: this.advantage.baseline, meanReward: this.lastMeanReward, entropy: this.lastEntropy };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.policy.dispose();
    this.optimizer.dispose();
  }
}

function loadInto(variables: readonly tf.Variable[], encoded: readonly unknown[], path: string): void {
  if (encoded.length !== variables.length) throw new SnapshotError(path, `holds ${encoded.length} tensors, the policy has ${variables.length}`);
  variables.forEach((variable, i) => {
    const item = encoded[i];
    if (typeof item !== 'string') throw new SnapshotError(`${path}[${i}]`, 'is not a base64 string');
    let values: Float32Array;
    try {
      values = decodeFloat32(item, variable.size);
    } catch (error) {
      throw new SnapshotError(`${path}[${i}]`, (error as Error).message);
    }
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, 'float32')));
  });
}
