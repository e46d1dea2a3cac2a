import type * as tfl from '@tensorflow/tfjs-layers';
import type { Actions, Architecture } from '../../space/types.js';
import type { EvaluationResult, MetricPoint, ModelArtifact } from '../evaluator.js';
import type { PreparedData } from '../data/dataset.js';
import { prepareData } from '../data/prepare.js';
import { exportModelArtifact } from '../export/artifact.js';
import { buildChildNetwork } from '../model/build.js';
import { modelCost } from '../model/cost.js';
import { measureLatency } from '../model/latency.js';
import { violatedHardConstraint } from '../constraints.js';
import type { Constraint, ProxyConfig } from './config.js';
import { evaluateModel, trainModel, type EpochResult, type TrainSettings } from './train.js';
import { applyWarmStart, extractWeights, type DonorWeights } from './warm-start.js';

/** Everything one trial needs; structured-clonable, it is the message a worker receives. */
export interface TrialJob {
  readonly trialId: string;
  readonly architecture: Architecture;
  /** The trial's seed: weight initialisation, dropout and shuffling each derive their own stream from it (src/random/seeds.ts). */
  readonly seed: number;
  readonly proxy: ProxyConfig;
  readonly constraints: readonly Constraint[];
  readonly donor?: DonorWeights;
  /** Send the trained weights back (the evaluator keeps the best as the next donor). */
  readonly returnWeights: boolean;
  /** Present for a finalist: `proxy` is then the final budget's, and the test split is scored once at the end. */
  readonly final?: FinalJob;
}

export interface FinalJob {
  /** Export the trained network (ModelArtifact) and send it back. */
  readonly keepModel: boolean;
  /**
   * Weight inheritance: retrain the proxy trial first (its seed, the search's own proxy
   * config: deterministic, so this recovers its weights) and start from them wherever a
   * layer's class and shapes match.
   */
  readonly inherit?: { readonly seed: number; readonly proxy: ProxyConfig };
  /** For architecture.json. */
  readonly actions: Actions;
  readonly label: string;
}

export interface TrialOutcome {
  readonly result: EvaluationResult;
  readonly weights?: DonorWeights;
}

export interface TrialHooks {
  readonly shouldStop: () => boolean;
  readonly report: (point: MetricPoint) => void;
}

/** How a trial trains: the architecture's hyperparameters win over the proxy's optimizer, learning rate and batch size. */
function trainSettings(arch: Architecture, proxy: ProxyConfig, seed: number): TrainSettings {
  const hp = arch.hyperparameters ?? {};
  return {
    epochs: proxy.epochs,
    batchSize: hp.batchSize ?? proxy.batchSize,
    optimizer: hp.optimizer ?? proxy.optimizer,
    learningRate: hp.learningRate ?? proxy.learningRate,
    schedule: proxy.schedule,
    seed,
  };
}

/** The epoch the reward is read at: the best validation accuracy, or the last. */
function rewardEpoch(history: readonly EpochResult[], reward: ProxyConfig['reward']): EpochResult {
  return reward === 'best' ? history.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a)) : history[history.length - 1];
}

/**
 * One proxy evaluation: build, cost, latency, then (unless a hard constraint already
 * rules the child out) warm start, train and score. Architecture hyperparameters win
 * over the proxy's optimizer, learning rate and batch size. The reward is the accuracy
 * itself: constraints are folded in by the experiment's finish rule, which sees params,
 * FLOPs and latency here. Runs in a worker thread in production and in-process in tests;
 * the model is disposed on every path.
 *
 * A finalist (`job.final`) trains the same way on its final budget, with three
 * differences: hard constraints do not stop it (it was chosen already, and a native
 * resolution may cost more than the proxy's), it may inherit the proxy trial's weights,
 * and after training it is scored once on the test split (and exported when asked).
 */
export async function runTrial(job: TrialJob, hooks: TrialHooks): Promise<TrialOutcome> {
  const { proxy, architecture: arch, final } = job;
  const started = performance.now();
  const data = final ? prepareData({ ...proxy, test: true }) : prepareData(proxy);
  const inherited = final?.inherit ? await retrainProxy(arch, final.inherit, hooks) : undefined;
  const model = buildChildNetwork(arch, data.inputShape, data.numClasses, job.seed);
  try {
    const cost = modelCost(model);
    const needLatency = proxy.measureLatency || job.constraints.some((c) => c.metric === 'latencyMs');
    const latency = needLatency ? await measureLatency(model, data.inputShape) : undefined;
    const costValues = { params: cost.params, flops: cost.flops, latencyMs: latency?.batch1Ms };
    const base: Record<string, number> = { params: cost.params, flops: cost.flops };
    if (latency) {
      base.latency_batch1_ms = latency.batch1Ms;
      base.latency_batch64_ms_per_sample = latency.batch64MsPerSample;
    }
    const common = { params: cost.params, flops: cost.flops, latencyMs: latency?.batch1Ms };

    const violated = final ? undefined : violatedHardConstraint(job.constraints, costValues);
    if (violated) {
      return { result: { ...common, reward: 0, metrics: { ...base, accuracy: 0, epochs: 0, [`violates_${violated.metric}`]: 1 } } };
    }

    const warmStarted = job.donor ? applyWarmStart(model, job.donor) : 0;
    const inheritedLayers = inherited ? applyWarmStart(model, inherited.weights) : 0;
    const trainStart = performance.now();
    const history = await trainModel(model, data, trainSettings(arch, proxy, job.seed), hooks);
    const trainSeconds = (performance.now() - trainStart) / 1000;
    const last = history[history.length - 1];
    const best = history.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    const scored = rewardEpoch(history, proxy.reward);
    const accuracy = scored.valAccuracy;
    const metrics: Record<string, number> = {
      ...base,
      accuracy,
      loss: scored.valLoss,
      val_accuracy: last.valAccuracy,
      val_loss: last.valLoss,
      best_val_accuracy: best.valAccuracy,
      train_loss: last.trainLoss,
      epochs: history.length,
      train_samples: data.train.count,
      train_seconds: trainSeconds,
      samples_per_second: (data.train.count * history.length) / trainSeconds,
      total_seconds: (performance.now() - started) / 1000,
      warm_started_layers: warmStarted,
    };
    let artifact: ModelArtifact | undefined;
    if (final) {
      Object.assign(metrics, testMetrics(model, data, hooks));
      if (inherited) {
        metrics.inherited_layers = inheritedLayers;
        metrics.inherited_proxy_accuracy = inherited.accuracy;
      }
      if (final.keepModel) {
        const exportStart = performance.now();
        artifact = await exportModelArtifact(model, data, { architecture: arch, actions: final.actions, label: final.label, dataset: proxy.dataset, measureLatency: proxy.measureLatency });
        metrics.export_seconds = (performance.now() - exportStart) / 1000;
      }
    }
    if (final) metrics.total_seconds = (performance.now() - started) / 1000;
    return {
      result: { ...common, reward: accuracy, metrics, ...(artifact ? { artifact } : {}) },
      weights: job.returnWeights ? extractWeights(model) : undefined,
    };
  } finally {
    model.dispose();
  }
}

/** The held-out test split, scored once, on the weights training ended with. */
function testMetrics(model: tfl.LayersModel, data: PreparedData, hooks: TrialHooks): Record<string, number> {
  const test = data.test;
  if (!test) throw new Error('a finalist needs the test split, and its data were prepared without one');
  const { accuracy, loss } = evaluateModel(model, test, data.inputShape, data.numClasses, hooks.shouldStop);
  return { test_accuracy: accuracy, test_loss: loss, test_samples: test.count };
}

/**
 * The proxy trial's weights, recomputed: the same architecture, seed, data and settings
 * train the same network again (a search trial has no other randomness). Not reported as
 * metrics (they are the search trial's, already recorded), but stoppable like any
 * training. Its accuracy lets the caller check the retrain matches the trial's reward
 * (it does not when the search warm-started its trials from each other).
 */
async function retrainProxy(arch: Architecture, inherit: NonNullable<FinalJob['inherit']>, hooks: TrialHooks): Promise<{ weights: DonorWeights; accuracy: number }> {
  const data = prepareData(inherit.proxy);
  const model = buildChildNetwork(arch, data.inputShape, data.numClasses, inherit.seed);
  try {
    const history = await trainModel(model, data, trainSettings(arch, inherit.proxy, inherit.seed), { shouldStop: hooks.shouldStop, report: () => undefined });
    return { weights: extractWeights(model), accuracy: rewardEpoch(history, inherit.proxy.reward).valAccuracy };
  } finally {
    model.dispose();
  }
}
