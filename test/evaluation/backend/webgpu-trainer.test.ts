/**
 * The tfjs-trainer evaluator on the webgpu backend, in its real worker threads: the same
 * trial trains to the same losses as on the CPU backend, memory stays flat across trials,
 * every result names its backend and adapter, and a failing GPU fails one trial only.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { EvaluationResult } from '../../../src/evaluation/evaluator.js';
import { TfjsTrainerEvaluator } from '../../../src/evaluation/trainer/tfjs-trainer.js';
import type { Architecture } from '../../../src/space/types.js';
import { avgPool, conv, dense, depthwise, layers, maxPool, nb201 } from '../trainer/fixtures/archs.js';
import { webGpuForTests } from './webgpu-adapter.js';

/**
 * Relative tolerance of the losses. The backends round differently (GPU reductions sum in
 * another order), and ten Adam steps carry that forward: measured differences stay below
 * 1e-5 relative here; 1e-3 leaves room for other GPUs' arithmetic while a wrong kernel
 * (one misrouted gradient) moves the losses by percents.
 */
const LOSS_TOLERANCE = 1e-3;

const CONFIG = {
  type: 'tfjs-trainer',
  dataset: { source: 'synthetic', count: 300, height: 8, width: 8, numClasses: 4, noise: 1 },
  validationFraction: 0.25,
  trainSubset: 160,
  valSubset: 64,
  resolution: null,
  epochs: 2,
  batchSize: 32,
  measureLatency: false,
  workers: 1,
};

/** Convolutions, a depthwise conv with a multiplier, both poolings, skips that need projections, dense. */
const LAYERS = layers([conv(8), depthwise(3, 1, 2), maxPool(), conv(8, 3, 2, [0]), avgPool(2, 1), dense(16, [1])]);
/** A NAS-Bench-201 cell with every op (none, skip, 1×1 and 3×3 convs with batch norm, 3×3 average pooling) and a reduction block. */
const CELL = nb201('|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|', { stemChannels: 4, channels: [4, 8], cellsPerStack: 1 });

const evaluators: TfjsTrainerEvaluator[] = [];
function evaluator(backend: string, workerScript?: string): TfjsTrainerEvaluator {
  const e = new TfjsTrainerEvaluator({ ...CONFIG, backend }, { workerScript });
  evaluators.push(e);
  return e;
}
after(() => Promise.all(evaluators.map((e) => e.dispose())));

function evaluate(ev: TfjsTrainerEvaluator, trialId: string, architecture: Architecture, seed = 3): Promise<EvaluationResult> {
  const request = { trialId, architecture, actions: [], label: trialId, seed, dataSeed: 0, signal: new AbortController().signal, report: () => undefined };
  return ev.evaluate(request);
}

function relative(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-6);
}

describe('tfjs-trainer on webgpu', async () => {
  const webgpu = await webGpuForTests();
  const skip = webgpu.skip ?? false;

  test(`the same seed and child network train to the CPU backend's losses (relative tolerance ${LOSS_TOLERANCE}); results name the adapter`, { skip }, async () => {
    const gpu = evaluator('webgpu');
    const cpu = evaluator('cpu');
    for (const [name, arch] of [['layers', LAYERS], ['cell', CELL]] as const) {
      const [onGpu, onCpu] = await Promise.all([evaluate(gpu, `${name}-gpu`, arch), evaluate(cpu, `${name}-cpu`, arch)]);
      assert.equal(onGpu.runtime?.backend, 'webgpu');
      assert.equal(onGpu.runtime?.adapter, webgpu.adapter?.summary);
      assert.deepEqual(onCpu.runtime, { backend: 'cpu', adapter: null });
      const differences: Record<string, number> = {};
      for (const metric of ['train_loss', 'val_loss', 'loss']) {
        const g = onGpu.metrics[metric] ?? NaN;
        const c = onCpu.metrics[metric] ?? NaN;
        differences[metric] = relative(g, c);
        assert.ok(differences[metric] <= LOSS_TOLERANCE, `${name} ${metric}: webgpu ${g} vs cpu ${c}`);
      }
      // Accuracy counts argmax hits; a logit pair within rounding of a tie may flip one of 64.
      assert.ok(Math.abs(onGpu.reward - onCpu.reward) <= 1 / 64 + 1e-9, `${name} accuracy: webgpu ${onGpu.reward} vs cpu ${onCpu.reward}`);
      console.log(`# ${name}: webgpu vs cpu relative loss differences ${JSON.stringify(differences)}`);
    }
  });

  test('the worker\'s tensor count and GPU bytes, in use and allocated, stay flat across many trials of different networks', { skip }, async () => {
    const ev = evaluator('webgpu');
    const seen: { tensors: number; gpuBytes: number | null; gpuBytesAllocated: number | null }[] = [];
    for (let i = 0; i < 8; i++) {
      // A new width every trial: tfjs pools GPU buffers by exact size, so new shapes would grow an untrimmed pool.
      const arch = i % 2 === 0 ? layers([conv(4 + i), maxPool(), dense(8 + i)]) : CELL;
      await evaluate(ev, `flat-${i}`, arch, 10 + i);
      const memory = ev.stats()?.memory ?? [];
      assert.equal(memory.length, 1);
      seen.push(memory[0] ?? { tensors: NaN, gpuBytes: null, gpuBytesAllocated: null });
    }
    // The first two trials (one per kind of network) may fill caches; from then on nothing grows.
    const settled = seen.slice(2);
    for (const key of ['tensors', 'gpuBytes', 'gpuBytesAllocated'] as const) {
      assert.ok(settled.every((m) => m[key] !== null && m[key] === settled[0]?.[key]), `${key} after each trial: ${seen.map((m) => m[key])}`);
    }
  });

  test('a lost device or an invalid GPU operation fails that trial with the reason; the next trial trains on a fresh device', { skip }, async () => {
    const ev = evaluator('webgpu', join(__dirname, 'fixtures', 'gpu-fault.worker.js'));
    await assert.rejects(evaluate(ev, 'lose-device', LAYERS), (err: Error & { retryable?: boolean }) => {
      assert.equal(err.name, 'GpuFaultError');
      assert.match(err.message, /lost its GPU device on .*: device lost \(destroyed\)/);
      assert.equal(err.retryable, true, 'a lost device is worth another attempt');
      return true;
    });
    const afterLoss = await evaluate(ev, 'after-loss', LAYERS);
    assert.equal(afterLoss.runtime?.backend, 'webgpu');
    assert.ok(Number.isFinite(afterLoss.metrics.train_loss));
    await assert.rejects(evaluate(ev, 'invalid-gpu-op', LAYERS), (err: Error & { retryable?: boolean }) => {
      assert.equal(err.name, 'GpuFaultError');
      assert.match(err.message, /hit a GPU validation error on .*: /);
      assert.notEqual(err.retryable, true, 'the same operation would fail the same way');
      return true;
    });
    const afterInvalid = await evaluate(ev, 'after-invalid', LAYERS);
    assert.ok(Number.isFinite(afterInvalid.metrics.train_loss));
    assert.equal(ev.stats()?.restarts, 2, 'each failed device was replaced by a fresh worker');
  });
});
