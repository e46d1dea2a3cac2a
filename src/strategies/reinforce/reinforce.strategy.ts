/**
 * The REINFORCE controller as a SearchStrategy: proposals are sampled from the LSTM
 * policy with the seeded generator; observations buffer until `batchSize` are available,
 * then each full batch is one policy update (the policy version counts updates).
 *
 * Rewards of proposals sampled by an older policy version are used as they are (no
 * importance weights), as in ENAS and asynchronous Zoph & Le: with small learning rates
 * between versions the bias is small, and dropping them would waste evaluations.
 *
 * Two additions make it learn within the few hundred evaluations a search has:
 * - elites (priority-queue training): the `eliteSize` best distinct architectures
 *   observed are kept, and every update also raises their log-probability;
 * - no repeats: a proposal draws `1 + resampleRepeats` architectures from the policy and
 *   takes the first that was neither observed nor is in flight (the first draw if all
 *   were). A repeat would be answered from the earlier trial and teach nothing, and a
 *   run of them ends the search as converged. Observations of repeats still count in
 *   the batches, like any reward.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Decision } from '../../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from '../strategy.js';
import { Random } from '../../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature } from '../actions.js';
import { assertCount, assertReward } from '../checks.js';
import { actionsKey, InFlight } from '../in-flight.js';
import {
  readActionSequences,
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
import { eliteLoss, reinforceLoss } from './loss.js';
import { LstmPolicy } from './policy.js';
import { decodeFloat32, encodeFloat32 } from './weights-codec.js';

/** Version 2 added the elites, the architectures observed and those in flight; a version 1 snapshot reads with none. */
const SNAPSHOT_VERSION = 2;
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
  /** The best distinct architectures observed, best first (older first among equals). */
  private elites: StoredObservation[] = [];
  /** Every distinct architecture observed, in order of first observation. */
  private evaluated: number[][] = [];
  private seen = new Set<string>();
  private inFlight = new InFlight();
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
    const proposals: Proposal[] = [];
    // Architecture by architecture, each with its own uniforms (one per decision and draw)
    // taken before the next's, so propose(2) and propose(1) twice consume the same numbers.
    // The 1 + resampleRepeats draws go through the LSTM as one batch: about the cost of one.
    for (let i = 0; i < count; i++) {
      const uniforms = Array.from({ length: 1 + this.params.resampleRepeats }, () => this.decisions.map(() => this.rng.nextFloat()));
      const draws = this.policy.sample(uniforms);
      const sample = draws.find((d) => !this.taken(d.actions)) ?? draws[0]!;
      this.inFlight.add({ actions: sample.actions, charged: [] });
      proposals.push({ actions: sample.actions, logProb: sample.logProb, policyVersion: this.step });
    }
    return proposals;
  }

  private taken(actions: readonly number[]): boolean {
    const key = actionsKey(actions);
    return this.seen.has(key) || this.inFlight.has(key);
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    this.assertLive();
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
    }
    // An update runs as soon as its batch is full, with the elites as they stood then, so
    // the state does not depend on how the observations were split across calls.
    for (const o of observations) {
      const stored = { actions: [...o.actions], reward: o.reward, policyVersion: o.policyVersion };
      this.inFlight.settle(o.actions);
      this.remember(stored);
      this.pending.push(stored);
      if (this.pending.length >= this.params.batchSize) this.update(this.pending.splice(0, this.params.batchSize));
    }
  }

  private remember(o: StoredObservation): void {
    const key = actionsKey(o.actions);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.evaluated.push(o.actions);
    const size = this.params.eliteSize;
    if (size === 0 || (this.elites.length >= size && o.reward <= this.elites[this.elites.length - 1]!.reward)) return;
    let at = this.elites.length;
    while (at > 0 && this.elites[at - 1]!.reward < o.reward) at--;
    this.elites.splice(at, 0, o);
    if (this.elites.length > size) this.elites.pop();
  }

  private update(batch: readonly StoredObservation[]): void {
    const rewards = batch.map((o) => o.reward);
    const advantages = this.advantage.advantages(rewards);
    const variables = this.policy.variables;
    const entropy = tf.tidy(() => {
      let meanEntropy: tf.Scalar | undefined;
      const elites = this.params.eliteWeight > 0 ? this.elites : [];
      const { grads } = tf.variableGrads(() => {
        // One teacher-forced pass over the batch and the elites together.
        const scores = this.policy.score([...batch.map((o) => o.actions), ...elites.map((o) => o.actions)]);
        const n = batch.length;
        const own = { logProb: tf.slice(scores.logProb, 0, n), entropy: tf.slice(scores.entropy, 0, n) };
        meanEntropy = tf.keep(tf.mean(own.entropy) as tf.Scalar);
        const loss = reinforceLoss(own, advantages, this.params.entropyWeight);
        return elites.length === 0 ? loss : (tf.add(loss, eliteLoss(tf.slice(scores.logProb, n), this.params.eliteWeight)) as tf.Scalar);
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
        elites: this.elites,
        evaluated: this.evaluated,
        inFlight: this.inFlight.toJSON(),
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
    const version = snapshot?.version === 1 ? 1 : SNAPSHOT_VERSION;
    const state = snapshotState(snapshot, this.type, version, this.signature);
    let params: ReinforceHyperparameters;
    try {
      params = resolveReinforceHyperparameters(state.hyperparameters);
    } catch (error) {
      throw new SnapshotError('state.hyperparameters', (error as Error).message);
    }
    const adamState = readObject(state, 'adam');
    const advantageState = readObject(state, 'advantage');
    const pending = readObservations(state, 'pending');
    const elites = version === 1 ? [] : readObservations(state, 'elites');
    const evaluated = version === 1 ? [] : readActionSequences(state, 'evaluated');
    const inFlight = version === 1 ? new InFlight() : InFlight.read(state, 'inFlight');
    [...pending, ...elites].forEach((o) => assertValidActions(this.decisions, o.actions));
    evaluated.forEach((a) => assertValidActions(this.decisions, a));
    inFlight.entries.forEach((e) => assertValidActions(this.decisions, e.actions));
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
    this.elites = elites;
    this.evaluated = evaluated;
    this.seen = new Set(evaluated.map(actionsKey));
    this.inFlight = inFlight;
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
