/**
 * Training throughput of whole pools, as the service runs them: the tfjs-trainer
 * evaluator with its worker threads, N trials at once on N workers, for the wasm pool
 * (one worker per core) and for webgpu (k trials in flight on one GPU, k = gpuTrials).
 *
 * A run is a warm-up round (one short trial per worker: wasm loads, webgpu compiles its
 * shaders for these shapes) and a measured round of one trial per worker. Each trial
 * times its own training (run-trial's `samples_per_second`: no data loading, model
 * building or validation); the pool's figure is the sum over the trials of the round,
 * which ran side by side.
 */
import { availableParallelism } from 'node:os';
import type { EvaluationResult } from '../../src/evaluation/evaluator.js';
import { TfjsTrainerEvaluator } from '../../src/evaluation/trainer/tfjs-trainer.js';
import type { Architecture } from '../../src/space/types.js';

export interface ThroughputProxy {
  readonly name: string;
  /** Square inputs of this side, one channel (synthetic images, 10 classes). */
  readonly side: number;
  readonly batchSize: number;
  readonly network: string;
  readonly architecture: Architecture;
}

export interface PoolSetup {
  readonly backend: 'wasm' | 'webgpu';
  /** Trials in flight: workers for wasm, gpuTrials for webgpu. */
  readonly inFlight: number;
  /** Overrides the proxy's batch size ("one trial at a time with larger batches"). */
  readonly batchSize?: number;
}

export interface PoolThroughput {
  readonly proxy: string;
  readonly backend: string;
  readonly adapter: string | null;
  readonly inFlight: number;
  readonly batchSize: number;
  readonly side: number;
  readonly samplesPerTrial: number;
  /** Forward FLOPs per sample of the network at this input size. */
  readonly forwardFlops?: number;
  /** Sum over the measured round's trials. */
  readonly samplesPerSecond: number;
  readonly perTrial: readonly number[];
  readonly error?: string;
}

const VALIDATION = 64;

function syntheticConfig(proxy: ThroughputProxy, setup: PoolSetup, samples: number): Record<string, unknown> {
  return {
    type: 'tfjs-trainer',
    backend: setup.backend,
    workers: setup.inFlight,
    gpuTrials: setup.inFlight,
    dataset: { source: 'synthetic', count: samples + VALIDATION, height: proxy.side, width: proxy.side, channels: 1, numClasses: 10 },
    validationFraction: VALIDATION / (samples + VALIDATION),
    trainSubset: samples,
    valSubset: VALIDATION,
    resolution: null,
    epochs: 1,
    batchSize: setup.batchSize ?? proxy.batchSize,
    schedule: 'constant',
    measureLatency: false,
  };
}

async function round(ev: TfjsTrainerEvaluator, proxy: ThroughputProxy, inFlight: number, tag: string): Promise<EvaluationResult[]> {
  return Promise.all(
    Array.from({ length: inFlight }, (_, i) => {
      const request = {
        trialId: `${tag}-${i}`, architecture: proxy.architecture, actions: [], label: proxy.network, seed: 100 + i, dataSeed: 0,
        signal: new AbortController().signal, report: () => undefined,
      };
      return ev.evaluate(request);
    }),
  );
}

/**
 * `samples` is rounded up to whole batches: a last, smaller batch has other shapes, and
 * webgpu would compile its shaders inside the measured time.
 */
export async function measurePool(proxy: ThroughputProxy, setup: PoolSetup, requestedSamples: number): Promise<PoolThroughput> {
  const batchSize = setup.batchSize ?? proxy.batchSize;
  const samples = Math.max(1, Math.ceil(requestedSamples / batchSize)) * batchSize;
  const base = { proxy: proxy.name, backend: setup.backend, inFlight: setup.inFlight, batchSize, side: proxy.side, samplesPerTrial: samples };
  // One batch per worker compiles every shader the measured round uses (the validation pass runs in both).
  const warm = new TfjsTrainerEvaluator(syntheticConfig(proxy, setup, batchSize));
  const measured = new TfjsTrainerEvaluator(syntheticConfig(proxy, setup, samples));
  try {
    await round(warm, proxy, setup.inFlight, 'warm-up');
    // Both evaluators share one pool (same backend and sharing), so the measured round runs on the warmed workers.
    const results = await round(measured, proxy, setup.inFlight, 'measured');
    const perTrial = results.map((r) => r.metrics.samples_per_second ?? 0);
    return { ...base, adapter: results[0]?.runtime?.adapter ?? null, forwardFlops: results[0]?.flops, samplesPerSecond: perTrial.reduce((a, b) => a + b, 0), perTrial, ...backendCheck(setup, results) };
  } catch (err) {
    return { ...base, adapter: null, samplesPerSecond: NaN, perTrial: [], error: err instanceof Error ? err.message : String(err) };
  } finally {
    await Promise.all([warm.dispose(), measured.dispose()]);
  }
}

/** A pool that fell back to another backend measured the wrong thing; say so instead of reporting it. */
function backendCheck(setup: PoolSetup, results: readonly EvaluationResult[]): { error?: string } {
  const wrong = results.find((r) => r.runtime?.backend !== setup.backend);
  return wrong ? { error: `asked for ${setup.backend}, trained on ${wrong.runtime?.backend ?? 'unknown'}` } : {};
}

/** The wasm pool of this machine: one worker per core. */
export function wasmPool(): PoolSetup {
  return { backend: 'wasm', inFlight: Math.max(1, availableParallelism()) };
}

/**
 * Where webgpu overtakes the wasm pool, in training FLOPs per batch: the ratio
 * webgpu / wasm interpolated log-linearly between measured proxies. Undefined when
 * one backend wins everywhere measured (the crossover lies outside the range).
 */
export function crossover(points: readonly { flopsPerBatch: number; ratio: number }[]): number | undefined {
  const sorted = [...points].filter((p) => Number.isFinite(p.ratio) && p.ratio > 0).sort((a, b) => a.flopsPerBatch - b.flopsPerBatch);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (a === undefined || b === undefined || (a.ratio - 1) * (b.ratio - 1) > 0) continue;
    const t = Math.log(a.ratio) / (Math.log(a.ratio) - Math.log(b.ratio));
    return Math.exp(Math.log(a.flopsPerBatch) + t * (Math.log(b.flopsPerBatch) - Math.log(a.flopsPerBatch)));
  }
  return undefined;
}
