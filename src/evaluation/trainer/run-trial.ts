import type { Architecture } from '../../space/types.js';
import type { EvaluationResult, MetricPoint } from '../evaluator.js';
import { prepareData } from '../data/prepare.js';
import { buildChildNetwork } from '../model/build.js';
import { modelCost } from '../model/cost.js';
import { measureLatency } from '../model/latency.js';
import { violatedHardConstraint } from '../constraints.js';
import type { Constraint, ProxyConfig } from './config.js';
import { trainModel } from './train.js';
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
}

export interface TrialOutcome {
  readonly result: EvaluationResult;
  readonly weights?: DonorWeights;
}

export interface TrialHooks {
  readonly shouldStop: () => boolean;
  readonly report: (point: MetricPoint) => void;
}

/**
 * One proxy evaluation: build, cost, latency, then (unless a hard constraint already
 * rules the child out) warm start, train and score. Architecture hyperparameters win
 * over the proxy's optimizer, learning rate and batch size. The reward is the accuracy
 * itself: constraints are folded in by the experiment's finish rule, which sees params,
 * FLOPs and latency here. Runs in a worker thread in production and in-process in tests;
 * the model is disposed on every path.
 */
export async function runTrial(job: TrialJob, hooks: TrialHooks): Promise<TrialOutcome> {
  const { proxy, architecture: arch } = job;
  const started = performance.now();
  const data = prepareData(proxy);
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

    const violated = violatedHardConstraint(job.constraints, costValues);
    if (violated) {
      return { result: { ...common, reward: 0, metrics: { ...base, accuracy: 0, epochs: 0, [`violates_${violated.metric}`]: 1 } } };
    }

    const warmStarted = job.donor ? applyWarmStart(model, job.donor) : 0;
    const hp = arch.hyperparameters ?? {};
    const trainStart = performance.now();
    const history = await trainModel(
      model,
      data,
      {
        epochs: proxy.epochs,
        batchSize: hp.batchSize ?? proxy.batchSize,
        optimizer: hp.optimizer ?? proxy.optimizer,
        learningRate: hp.learningRate ?? proxy.learningRate,
        schedule: proxy.schedule,
        seed: job.seed,
      },
      hooks,
    );
    const trainSeconds = (performance.now() - trainStart) / 1000;
    const last = history[history.length - 1];
    const best = history.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    const accuracy = proxy.reward === 'best' ? best.valAccuracy : last.valAccuracy;
    const metrics: Record<string, number> = {
      ...base,
      accuracy,
      loss: proxy.reward === 'best' ? best.valLoss : last.valLoss,
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
    return {
      result: { ...common, reward: accuracy, metrics },
      weights: job.returnWeights ? extractWeights(model) : undefined,
    };
  } finally {
    model.dispose();
  }
}

