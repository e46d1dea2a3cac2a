import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { MetricPoint } from '../evaluator.js';
import type { PreparedData, Split } from '../data/dataset.js';
import { trialStreams } from '../../random/index.js';
import { createRng, shuffleInPlace } from '../data/prng.js';
import type { Schedule } from './config.js';
import { createOptimizer, scheduledLearningRate, setLearningRate } from './optimizer.js';
import { TrialAbortedError } from './errors.js';

export interface TrainSettings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: string;
  readonly learningRate: number;
  /** Absent: constant. */
  readonly schedule?: Schedule;
  /** The trial's seed; batches are shuffled by its `shuffle` stream. */
  readonly seed: number;
}

export interface TrainHooks {
  /** Polled before every batch (training and validation): true stops the run within one batch. */
  readonly shouldStop: () => boolean;
  readonly report: (point: MetricPoint) => void;
}

export interface EpochResult {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
}

const EVAL_BATCH = 256;

/**
 * A custom loop rather than `model.fit`: fit does honour `stopTraining` after each batch,
 * but it runs the whole validation pass inside the epoch's last batch, where nothing can
 * stop it, and it yields to the event loop on its own schedule. Here the stop flag is
 * read right before every training and validation batch. Batches are gathered from one
 * training tensor, so a trial uploads its data once.
 */
export async function trainModel(model: tfl.LayersModel, data: PreparedData, settings: TrainSettings, hooks: TrainHooks): Promise<EpochResult[]> {
  const [h, w, c] = data.inputShape;
  const xTrain = tf.tensor4d(data.train.x, [data.train.count, h, w, c]);
  const yTrain = tf.tensor1d(data.train.y, 'int32');
  const optimizer = createOptimizer(settings.optimizer, settings.learningRate);
  const rng = createRng(trialStreams(settings.seed).shuffle);
  const order = Int32Array.from({ length: data.train.count }, (_, i) => i);
  const history: EpochResult[] = [];
  const schedule = settings.schedule ?? 'constant';
  const totalSteps = settings.epochs * Math.ceil(data.train.count / settings.batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= settings.epochs; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = 0;
      let seen = 0;
      for (let start = 0; start < order.length; start += settings.batchSize) {
        if (hooks.shouldStop()) throw new TrialAbortedError(`trial aborted in epoch ${epoch}`);
        const batch = order.subarray(start, Math.min(order.length, start + settings.batchSize));
        if (schedule !== 'constant') setLearningRate(optimizer, scheduledLearningRate(schedule, settings.learningRate, step, totalSteps));
        step++;
        const loss = tf.tidy(() => {
          const idx = tf.tensor1d(batch, 'int32');
          const xb = tf.gather(xTrain, idx);
          const yb = tf.oneHot(tf.gather(yTrain, idx), data.numClasses);
          const cost = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true }) as tf.Tensor), true);
          return (cost as tf.Scalar).dataSync()[0];
        });
        if (!Number.isFinite(loss)) throw new Error(`training diverged: loss ${loss} in epoch ${epoch}`);
        lossSum += loss * batch.length;
        seen += batch.length;
      }
      const val = evaluateModel(model, data.validation, data.inputShape, data.numClasses, hooks.shouldStop);
      const result: EpochResult = { epoch, trainLoss: lossSum / seen, valLoss: val.loss, valAccuracy: val.accuracy };
      history.push(result);
      hooks.report({ step: epoch, name: 'val_accuracy', value: result.valAccuracy });
      hooks.report({ step: epoch, name: 'val_loss', value: result.valLoss });
      hooks.report({ step: epoch, name: 'train_loss', value: result.trainLoss });
      // Lets a worker thread read queued messages between epochs; the stop flag itself is shared memory.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return history;
  } finally {
    xTrain.dispose();
    yTrain.dispose();
    optimizer.dispose();
  }
}

/** Accuracy and mean cross-entropy in inference mode (batch-norm moving statistics, no dropout). */
export function evaluateModel(
  model: tfl.LayersModel,
  split: Split,
  inputShape: readonly [number, number, number],
  numClasses: number,
  shouldStop: () => boolean = () => false,
): { accuracy: number; loss: number } {
  const size = inputShape[0] * inputShape[1] * inputShape[2];
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    if (shouldStop()) throw new TrialAbortedError('trial aborted during validation');
    const end = Math.min(split.count, start + EVAL_BATCH);
    const [hits, loss] = tf.tidy(() => {
      const xb = tf.tensor4d(split.x.subarray(start * size, end * size), [end - start, ...inputShape]);
      const labels = tf.tensor1d(split.y.subarray(start, end), 'int32');
      const logits = model.predict(xb) as tf.Tensor2D;
      const hitCount = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
      const lossTotal = tf.losses.softmaxCrossEntropy(tf.oneHot(labels, numClasses), logits, undefined, undefined, tf.Reduction.SUM);
      return [hitCount.dataSync()[0], lossTotal.dataSync()[0]];
    });
    correct += hits;
    lossSum += loss;
  }
  return { accuracy: correct / split.count, loss: lossSum / split.count };
}
