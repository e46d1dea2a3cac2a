import { availableParallelism } from 'node:os';
import { DATASET_SOURCES, type DatasetSource } from '../data/source.js';
import type { Constraint, ConstraintMetric } from '../constraints.js';
import { EvaluatorConfigError, type ConfigIssue } from './errors.js';

export type { Constraint, ConstraintMetric } from '../constraints.js';

/** The search-space language's optimizer names; all map to tfjs optimizers. */
export const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad', 'adamax', 'adadelta'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];
/** How the learning rate moves over a run's steps: held, or decayed to zero by its last step. */
export const SCHEDULES = ['constant', 'linear', 'cosine'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/** The knobs of one proxy training run; plain JSON, sent to worker threads as is. */
export interface ProxyConfig {
  readonly dataset: DatasetSource;
  readonly validationFraction: number;
  readonly splitSeed: number;
  readonly epochs: number;
  readonly trainSubset?: number;
  readonly valSubset?: number;
  /** Input height after area resampling (at most the source's; width keeps the aspect ratio); absent: native. */
  readonly resolution?: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly schedule: Schedule;
  readonly reward: 'best' | 'final';
  readonly measureLatency: boolean;
}

export interface TfjsTrainerConfig extends Omit<ProxyConfig, 'splitSeed'> {
  readonly type: 'tfjs-trainer';
  /** Null: the experiment's data seed, so the split follows the experiment's seed like everything else. */
  readonly splitSeed: number | null;
  readonly workers: number;
  /**
   * `auto` picks the fastest available (docs/child-networks.md has the order); `webgpu`
   * also allows a software adapter; `GRAPHNAS_TF_BACKEND` overrides either way.
   */
  readonly backend: string;
  /**
   * Trials in flight at once on a GPU backend (each in its own worker thread, holding its
   * own device), at most `workers`. One by default: bench:train measures more.
   */
  readonly gpuTrials: number;
  readonly warmStart: boolean;
  readonly constraints: readonly Constraint[];
  /** After an abort, a worker that has not stopped within this time is terminated and replaced. */
  readonly abortGraceMs: number;
}

/**
 * Defaults sized so that a child of the Fashion-MNIST example space trains in seconds on
 * wasm: 2 epochs over 2,000 training images at 20×20, validated on 2,000 (validation is
 * forward-only, and a larger set keeps the accuracy's sampling noise near 0.8 points).
 * 20×20 rather than 14×14: three 2×2 poolings still leave 2×2, so the proxy ranks
 * architectures much like a native 28×28 training (docs/child-networks.md has the sweep).
 * The learning rate decays linearly to zero over the run: with a constant rate the last
 * epoch's accuracy swung by up to 5 points between seeds of the same architecture, enough
 * to reorder most of a search space (bench:train measures it).
 */
export const PROXY_DEFAULTS: ProxyConfig = {
  dataset: { source: 'fashion-mnist' },
  validationFraction: 0.1,
  splitSeed: 0,
  epochs: 2,
  trainSubset: 2000,
  valSubset: 2000,
  resolution: 20,
  batchSize: 64,
  optimizer: 'adam',
  learningRate: 0.002,
  schedule: 'linear',
  reward: 'best',
  measureLatency: true,
};

/** See TfjsTrainerConfig.gpuTrials. */
export const DEFAULT_GPU_TRIALS = 1;

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

type Input = Readonly<Record<string, unknown>>;

/** Validates a user-supplied evaluator config and fills defaults; throws EvaluatorConfigError. */
export function parseTfjsTrainerConfig(input: unknown): TfjsTrainerConfig {
  const issues: ConfigIssue[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new EvaluatorConfigError('tfjs-trainer', [{ path: '', message: 'must be an object' }]);
  }
  const o = input as Input;
  const known = new Set([
    'type', 'dataset', 'validationFraction', 'splitSeed', 'epochs', 'trainSubset', 'valSubset', 'resolution', 'batchSize',
    'optimizer', 'learningRate', 'schedule', 'reward', 'measureLatency', 'workers', 'backend', 'gpuTrials', 'warmStart', 'constraints', 'abortGraceMs',
  ]);
  for (const key of Object.keys(o)) if (!known.has(key)) issues.push({ path: key, message: 'unknown option' });
  if (o.type !== undefined && o.type !== 'tfjs-trainer') issues.push({ path: 'type', message: `must be "tfjs-trainer", got ${JSON.stringify(o.type)}` });

  const v = new Reader(o, issues);
  const config: TfjsTrainerConfig = {
    type: 'tfjs-trainer',
    dataset: parseDataset(o.dataset, issues),
    validationFraction: v.number('validationFraction', PROXY_DEFAULTS.validationFraction, (x) => x > 0 && x < 1, 'a number in (0, 1)'),
    splitSeed: v.optionalInteger('splitSeed', undefined, 0) ?? null,
    epochs: v.integer('epochs', PROXY_DEFAULTS.epochs, 1),
    trainSubset: v.optionalInteger('trainSubset', PROXY_DEFAULTS.trainSubset, 1),
    valSubset: v.optionalInteger('valSubset', PROXY_DEFAULTS.valSubset, 1),
    resolution: v.optionalInteger('resolution', PROXY_DEFAULTS.resolution, 1),
    batchSize: v.integer('batchSize', PROXY_DEFAULTS.batchSize, 1),
    optimizer: v.oneOf('optimizer', PROXY_DEFAULTS.optimizer, OPTIMIZERS),
    learningRate: v.number('learningRate', PROXY_DEFAULTS.learningRate, (x) => x > 0 && x < 10, 'a number in (0, 10)'),
    schedule: v.oneOf('schedule', PROXY_DEFAULTS.schedule, SCHEDULES),
    reward: v.oneOf('reward', PROXY_DEFAULTS.reward, ['best', 'final'] as const),
    measureLatency: v.boolean('measureLatency', PROXY_DEFAULTS.measureLatency),
    workers: v.integer('workers', defaultWorkers(), 1),
    backend: v.string('backend', 'auto'),
    gpuTrials: v.integer('gpuTrials', DEFAULT_GPU_TRIALS, 1),
    warmStart: v.boolean('warmStart', false),
    constraints: parseConstraints(o.constraints, issues),
    abortGraceMs: v.integer('abortGraceMs', 10_000, 0),
  };
  if (issues.length > 0) throw new EvaluatorConfigError('tfjs-trainer', issues);
  return config;
}

/** The proxy part of a full config (what a worker needs), with the experiment's data seed where the config names none. */
export function proxyOf(config: TfjsTrainerConfig, dataSeed: number): ProxyConfig {
  const splitSeed = config.splitSeed ?? dataSeed;
  const { dataset, validationFraction, epochs, trainSubset, valSubset, resolution, batchSize, optimizer, learningRate, schedule, reward, measureLatency } = config;
  return { dataset, validationFraction, splitSeed, epochs, trainSubset, valSubset, resolution, batchSize, optimizer, learningRate, schedule, reward, measureLatency };
}

class Reader {
  constructor(
    private readonly o: Input,
    private readonly issues: ConfigIssue[],
  ) {}

  private fail(path: string, what: string): void {
    this.issues.push({ path, message: `must be ${what}, got ${JSON.stringify(this.o[path])}` });
  }

  number(key: string, fallback: number, ok: (x: number) => boolean, what: string): number {
    const x = this.o[key];
    if (x === undefined) return fallback;
    if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) {
      this.fail(key, what);
      return fallback;
    }
    return x;
  }

  integer(key: string, fallback: number, min: number): number {
    return this.number(key, fallback, (x) => Number.isInteger(x) && x >= min, `an integer ≥ ${min}`);
  }

  /** `null` switches an optional knob off (e.g. `resolution: null` trains at native size). */
  optionalInteger(key: string, fallback: number | undefined, min: number): number | undefined {
    const x = this.o[key];
    if (x === null) return undefined;
    if (x === undefined) return fallback;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
      this.fail(key, `an integer ≥ ${min} or null`);
      return fallback;
    }
    return x;
  }

  boolean(key: string, fallback: boolean): boolean {
    const x = this.o[key];
    if (x === undefined) return fallback;
    if (typeof x !== 'boolean') {
      this.fail(key, 'a boolean');
      return fallback;
    }
    return x;
  }

  string(key: string, fallback: string): string {
    const x = this.o[key];
    if (x === undefined) return fallback;
    if (typeof x !== 'string' || x === '') {
      this.fail(key, 'a non-empty string');
      return fallback;
    }
    return x;
  }

  oneOf<T extends string>(key: string, fallback: T, options: readonly T[]): T {
    const x = this.o[key];
    if (x === undefined) return fallback;
    if (typeof x !== 'string' || !(options as readonly string[]).includes(x)) {
      this.fail(key, `one of ${options.join(', ')}`);
      return fallback;
    }
    return x as T;
  }
}

function parseDataset(input: unknown, issues: ConfigIssue[]): DatasetSource {
  if (input === undefined) return PROXY_DEFAULTS.dataset;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    issues.push({ path: 'dataset', message: 'must be an object with a "source" field' });
    return PROXY_DEFAULTS.dataset;
  }
  const d = input as Input;
  if (!(DATASET_SOURCES as readonly unknown[]).includes(d.source)) {
    issues.push({ path: 'dataset.source', message: `must be one of ${DATASET_SOURCES.join(', ')}, got ${JSON.stringify(d.source)}` });
    return PROXY_DEFAULTS.dataset;
  }
  const requireString = (key: string): void => {
    if (typeof d[key] !== 'string' || d[key] === '') issues.push({ path: `dataset.${key}`, message: 'must be a non-empty string (a file path)' });
  };
  const optionalString = (key: string): void => {
    if (d[key] !== undefined) requireString(key);
  };
  if (d.source === 'idx') {
    ['images', 'labels'].forEach(requireString);
    ['testImages', 'testLabels'].forEach(optionalString);
    if ((d.testImages === undefined) !== (d.testLabels === undefined)) {
      issues.push({ path: d.testImages === undefined ? 'dataset.testImages' : 'dataset.testLabels', message: 'testImages and testLabels come together (the test split\'s IDX pair)' });
    }
  }
  if (d.source === 'csv') {
    requireString('path');
    optionalString('testPath');
  }
  if (d.source === 'fashion-mnist' && d.dir !== undefined && typeof d.dir !== 'string') issues.push({ path: 'dataset.dir', message: 'must be a string' });
  if (d.testFraction !== undefined) {
    const f = d.testFraction;
    const ownFile = d.source === 'fashion-mnist' ? 'the t10k files' : d.source === 'idx' && d.testImages !== undefined ? 'testImages/testLabels' : d.source === 'csv' && d.testPath !== undefined ? 'testPath' : null;
    if (typeof f !== 'number' || !Number.isFinite(f) || !(f > 0 && f < 1)) {
      issues.push({ path: 'dataset.testFraction', message: `must be a number in (0, 1), got ${JSON.stringify(f)}` });
    } else if (ownFile !== null) {
      issues.push({ path: 'dataset.testFraction', message: `the test split is already ${ownFile}; testFraction is for a source without a test file` });
    }
  }
  if (d.source === 'synthetic') {
    for (const key of ['count', 'height', 'width', 'channels', 'numClasses', 'seed']) {
      const x = d[key];
      if (x !== undefined && (typeof x !== 'number' || !Number.isInteger(x) || x < (key === 'seed' ? 0 : 1))) {
        issues.push({ path: `dataset.${key}`, message: `must be a ${key === 'seed' ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(x)}` });
      }
    }
  }
  // The shape is checked here; the files themselves are read (and their errors raised) by the worker.
  return d as unknown as DatasetSource;
}

function parseConstraints(input: unknown, issues: ConfigIssue[]): Constraint[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) {
    issues.push({ path: 'constraints', message: 'must be an array' });
    return [];
  }
  return input.map((c: unknown, i): Constraint => {
    const path = `constraints.${i}`;
    const o = (typeof c === 'object' && c !== null ? c : {}) as Input;
    const metric = o.metric;
    if (metric !== 'params' && metric !== 'flops' && metric !== 'latencyMs') {
      issues.push({ path: `${path}.metric`, message: `must be one of params, flops, latencyMs, got ${JSON.stringify(metric)}` });
    }
    if (typeof o.target !== 'number' || !(o.target > 0)) issues.push({ path: `${path}.target`, message: `must be a positive number, got ${JSON.stringify(o.target)}` });
    const mode = o.mode ?? 'soft';
    if (mode !== 'soft' && mode !== 'hard') issues.push({ path: `${path}.mode`, message: `must be soft or hard, got ${JSON.stringify(mode)}` });
    const weight = o.weight ?? -0.07;
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight > 0) {
      issues.push({ path: `${path}.weight`, message: `must be a number ≤ 0, got ${JSON.stringify(weight)}` });
    }
    return { metric: metric as ConstraintMetric, target: o.target as number, mode: mode as Constraint['mode'], weight: weight as number };
  });
}
