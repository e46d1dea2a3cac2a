/**
 * `bench:train --throughput` (and part of the full run): samples/s of the wasm pool and of
 * webgpu for the default proxy and a larger one, how trials best share one GPU, and
 * where webgpu overtakes the wasm pool. Written to bench/results/train.throughput.*.
 */
import { availableParallelism, cpus } from 'node:os';
import { DEFAULT_GPU_TRIALS, PROXY_DEFAULTS } from '../../src/evaluation/trainer/config.js';
import { SMALL_CNN, WIDE_CNN } from './archs.js';
import { crossover, measurePool, wasmPool, type PoolSetup, type PoolThroughput, type ThroughputProxy } from './pool-throughput.js';

export const DEFAULT_PROXY: ThroughputProxy = {
  name: 'default',
  side: PROXY_DEFAULTS.resolution ?? 28,
  batchSize: PROXY_DEFAULTS.batchSize,
  network: 'conv32-pool-conv64-pool-dense128',
  architecture: SMALL_CNN,
};

export const LARGE_PROXY: ThroughputProxy = {
  name: 'large',
  side: 32,
  batchSize: 256,
  network: 'conv64-conv64-pool-conv128-conv128-pool-dense256',
  architecture: WIDE_CNN,
};

/** "One trial at a time with larger batches": the default proxy at this multiple of its batch. */
const LARGER_BATCH = 4;

export interface SampleCounts {
  readonly default: number;
  readonly large: number;
}

export interface ThroughputOptions {
  readonly backends: readonly string[];
  /** Training images per measured trial, per backend, for the default and the large proxy (a fast GPU needs more to be timed well). */
  readonly samples: { readonly wasm: SampleCounts; readonly webgpu: SampleCounts };
  /** webgpu trials in flight to compare. */
  readonly inFlight: readonly number[];
  readonly log: (msg: string) => void;
}

export interface Comparison {
  readonly proxy: string;
  readonly flopsPerBatch: number;
  readonly wasmPool?: number;
  /** webgpu at the default gpuTrials. */
  readonly webgpu?: number;
  readonly ratio?: number;
  readonly bestWebgpu?: { readonly inFlight: number; readonly samplesPerSecond: number };
}

export interface ThroughputReport {
  readonly date: string;
  readonly machine: { readonly cpus: number; readonly model?: string; readonly node: string };
  readonly proxies: readonly Omit<ThroughputProxy, 'architecture'>[];
  readonly samples: ThroughputOptions['samples'];
  readonly results: readonly PoolThroughput[];
  readonly comparisons: readonly Comparison[];
  /** Training FLOPs per batch at which webgpu (default gpuTrials) overtakes the wasm pool, if inside the measured range. */
  readonly crossoverFlopsPerBatch?: number;
  readonly adapter: string | null;
  readonly defaultGpuTrials: number;
  readonly durationSeconds: number;
}

function describeSetup(s: PoolSetup): string {
  return `${s.backend} × ${s.inFlight}${s.batchSize ? `, batch ${s.batchSize}` : ''}`;
}

export async function runThroughput(options: ThroughputOptions): Promise<ThroughputReport> {
  const started = Date.now();
  const results: PoolThroughput[] = [];
  const run = async (proxy: ThroughputProxy, setup: PoolSetup): Promise<PoolThroughput> => {
    const counts = options.samples[setup.backend];
    const samples = proxy === LARGE_PROXY ? counts.large : counts.default;
    options.log(`throughput ${proxy.name} proxy, ${describeSetup(setup)}, ${samples} images per trial…`);
    const r = await measurePool(proxy, setup, samples);
    options.log(r.error ? `  failed: ${r.error}` : `  ${r.samplesPerSecond.toFixed(1)} samples/s (per trial ${r.perTrial.map((x) => x.toFixed(1)).join(', ')})${r.adapter ? ` on ${r.adapter}` : ''}`);
    results.push(r);
    return r;
  };
  for (const proxy of [DEFAULT_PROXY, LARGE_PROXY]) {
    if (options.backends.includes('wasm')) await run(proxy, wasmPool());
    if (options.backends.includes('webgpu')) {
      for (const k of options.inFlight) await run(proxy, { backend: 'webgpu', inFlight: k });
      if (proxy === DEFAULT_PROXY) await run(proxy, { backend: 'webgpu', inFlight: 1, batchSize: proxy.batchSize * LARGER_BATCH });
    }
  }
  const comparisons = [DEFAULT_PROXY, LARGE_PROXY].map((proxy): Comparison => {
    const of = (pred: (r: PoolThroughput) => boolean): PoolThroughput | undefined => results.find((r) => r.proxy === proxy.name && !r.error && pred(r));
    const wasm = of((r) => r.backend === 'wasm');
    const gpu = of((r) => r.backend === 'webgpu' && r.inFlight === DEFAULT_GPU_TRIALS && r.batchSize === proxy.batchSize);
    const best = results
      .filter((r) => r.proxy === proxy.name && r.backend === 'webgpu' && !r.error && r.batchSize === proxy.batchSize)
      .sort((a, b) => b.samplesPerSecond - a.samplesPerSecond)[0];
    // Training FLOPs per batch: 3 × forward (see throughput.ts) × batch.
    const forward = (wasm ?? gpu)?.forwardFlops ?? NaN;
    const perBatch = 3 * forward * proxy.batchSize;
    return {
      proxy: proxy.name,
      flopsPerBatch: perBatch,
      wasmPool: wasm?.samplesPerSecond,
      webgpu: gpu?.samplesPerSecond,
      ratio: wasm && gpu ? gpu.samplesPerSecond / wasm.samplesPerSecond : undefined,
      bestWebgpu: best ? { inFlight: best.inFlight, samplesPerSecond: best.samplesPerSecond } : undefined,
    };
  });
  const points = comparisons.flatMap((c) => (c.ratio === undefined ? [] : [{ flopsPerBatch: c.flopsPerBatch, ratio: c.ratio }]));
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    proxies: [DEFAULT_PROXY, LARGE_PROXY].map(({ architecture: _a, ...rest }) => rest),
    samples: options.samples,
    results,
    comparisons,
    crossoverFlopsPerBatch: crossover(points),
    adapter: results.find((r) => r.adapter)?.adapter ?? null,
    defaultGpuTrials: DEFAULT_GPU_TRIALS,
    durationSeconds: (Date.now() - started) / 1000,
  };
}

export function defaultInFlight(): number[] {
  return [1, 2, 4].filter((k) => k === 1 || k <= availableParallelism());
}

export function throughputMarkdown(r: ThroughputReport): string {
  const f = (x: number | undefined, d = 1): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
  const gflop = (x: number): string => (x / 1e9).toFixed(1);
  const lines = [
    '# bench:train — throughput per backend',
    '',
    `${r.date}, ${r.machine.cpus} × ${r.machine.model ?? 'cpu'}, Node ${r.machine.node}. Generated by \`npm run bench:train -- --throughput\`.`,
    `WebGPU adapter: ${r.adapter ?? 'none'}.`,
    // WebGpuAdapter.summary ends so for a software adapter.
    ...(r.adapter?.endsWith(', software') ? ['**A software adapter (CPU rendering): its webgpu figures say nothing about a GPU.**'] : []),
    '',
    'Samples/s of training (one epoch, synthetic 10-class images), summed over the trials one round runs side by side: the wasm',
    'pool with one worker per core, webgpu with k trials in flight on the one adapter (k = the `gpuTrials` option; each',
    'trial its own worker thread and device). Shaders and wasm are warmed up by an earlier round on the same workers.',
    '',
    '| proxy | input | batch | network |',
    '|---|---|---|---|',
    ...r.proxies.map((p) => `| ${p.name} | ${p.side}×${p.side}×1 | ${p.batchSize} | ${p.network} |`),
    '',
    '## wasm pool vs webgpu',
    '',
    `| proxy | training GFLOP per batch | wasm pool samples/s | webgpu samples/s (gpuTrials ${r.defaultGpuTrials}) | ratio | best webgpu |`,
    '|---|---|---|---|---|---|',
    ...r.comparisons.map((c) => `| ${c.proxy} | ${gflop(c.flopsPerBatch)} | ${f(c.wasmPool)} | ${f(c.webgpu)} | ${f(c.ratio, 2)} | ${c.bestWebgpu ? `${f(c.bestWebgpu.samplesPerSecond)} at ${c.bestWebgpu.inFlight} in flight` : '—'} |`),
    '',
    r.crossoverFlopsPerBatch === undefined
      ? 'Crossover: none inside the measured range (one backend is faster for both proxies).'
      : `Crossover: webgpu overtakes the wasm pool at about ${gflop(r.crossoverFlopsPerBatch)} GFLOP of training per batch (log-linear between the two proxies).`,
    '',
    '## Every run',
    '',
    '| proxy | backend | in flight | batch | images per trial | samples/s | per trial | note |',
    '|---|---|---|---|---|---|---|---|',
    ...r.results.map((x) => `| ${x.proxy} | ${x.backend} | ${x.inFlight} | ${x.batchSize} | ${x.samplesPerTrial} | ${f(x.samplesPerSecond)} | ${x.perTrial.map((p) => f(p)).join(', ')} | ${(x.error ?? '').replace(/\|/g, '/')} |`),
    '',
    `Total ${f(r.durationSeconds, 0)} s.`,
    '',
  ];
  return lines.join('\n');
}
