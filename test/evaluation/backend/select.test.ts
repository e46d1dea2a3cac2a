import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { BackendSelection } from '../../../src/evaluation/backend/index.js';
import { BACKEND_ENV_VAR, selectBackend } from '../../../src/evaluation/backend/index.js';
import { isSoftwareAdapter } from '../../../src/evaluation/backend/webgpu.js';
import { webGpuForTests } from './webgpu-adapter.js';

interface WorkerResult {
  readonly selection?: BackendSelection;
  readonly sameObject?: boolean;
  readonly tfBackend?: string;
  readonly gradSum?: number;
  readonly logs?: string[];
  readonly error?: string;
}

/** selectBackend is once per thread, so each scenario gets a fresh worker. */
function inWorker(job: { preferred?: string; machineBackend?: string; allowWebGpu?: boolean; native: string }, env: Record<string, string | undefined> = {}): Promise<WorkerResult> {
  const workerEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, [BACKEND_ENV_VAR]: undefined, ...env })) {
    if (v !== undefined) workerEnv[k] = v;
  }
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(__dirname, 'fixtures', 'select-worker.js'), { workerData: job, env: workerEnv });
    worker.once('message', (m: WorkerResult) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function ok(r: WorkerResult): BackendSelection {
  assert.equal(r.error, undefined);
  assert.ok(r.selection);
  assert.ok(Number.isFinite(r.gradSum) && (r.gradSum ?? 0) > 0, 'a conv gradient computes on the selected backend');
  assert.equal(r.sameObject, true, 'a second call returns the first selection');
  return r.selection;
}

/** Where the lead's optionalDependencies did install, the real loader legitimately picks them. */
const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((id) => {
  try {
    require.resolve(id);
    return true;
  } catch {
    return false;
  }
});

describe('selectBackend', () => {
  test('falls back to wasm (SIMD reported) when the native packages are absent, inside a worker thread', async () => {
    const jobs = [inWorker({ native: 'absent' })];
    if (!nativeInstalled) jobs.push(inWorker({ native: 'real' }));
    for (const r of await Promise.all(jobs)) {
      const s = ok(r);
      assert.equal(s.name, 'wasm');
      assert.equal(r.tfBackend, 'wasm');
      assert.equal(typeof s.simd, 'boolean');
      assert.equal(s.threads, 1);
      assert.deepEqual(s.attempts.map((a) => [a.name, a.ok]), [['tensorflow-gpu', false], ['tensorflow', false], ['wasm', true]]);
      assert.match(s.reason, /tfjs-node-gpu not installed.*tfjs-node not installed.*using wasm/);
      assert.ok(s.kernels?.added.includes('Conv2DBackpropFilter'));
    }
  });

  test('honours the override: GRAPHNAS_TF_BACKEND=cpu, and the preferred option over it', async () => {
    const [byEnv, byOption] = await Promise.all([
      inWorker({ native: 'absent', machineBackend: 'cpu' }),
      inWorker({ native: 'absent', preferred: 'wasm', machineBackend: 'cpu' }),
    ]);
    const env = ok(byEnv);
    assert.equal(env.name, 'cpu');
    assert.equal(byEnv.tfBackend, 'cpu');
    assert.deepEqual(env.attempts.map((a) => a.name), ['cpu']);
    assert.match(env.reason, /GRAPHNAS_TF_BACKEND=cpu/);
    assert.equal(ok(byOption).name, 'wasm');
  });

  test('a requested native backend that fails to load falls back down the order and says why', async () => {
    const [broken, unregistered] = await Promise.all([
      inWorker({ native: 'broken', preferred: 'tensorflow' }),
      inWorker({ native: 'unregistered', preferred: 'tfjs-node' }),
    ]);
    const b = ok(broken);
    assert.equal(b.name, 'wasm');
    assert.match(b.reason, /tfjs-node failed to load: libtensorflow/);
    const u = ok(unregistered);
    assert.equal(u.name, 'wasm');
    assert.match(u.reason, /registered no 'tensorflow' backend/);
  });

  test('auto, even where WebGPU is allowed, never takes a software adapter; a named webgpu does, only where allowed', async () => {
    const webgpu = await webGpuForTests();
    const [auto, named, notAllowed] = await Promise.all([
      inWorker({ native: 'absent', allowWebGpu: true }),
      inWorker({ native: 'absent', allowWebGpu: true, preferred: 'webgpu' }),
      inWorker({ native: 'absent', preferred: 'webgpu' }),
    ]);
    const a = ok(auto);
    if (webgpu.adapter?.software === false) {
      assert.equal(a.name, 'webgpu', 'a hardware adapter is taken under auto');
    } else {
      assert.equal(a.name, 'wasm');
      const attempt = a.attempts.find((t) => t.name === 'webgpu');
      assert.equal(attempt?.ok, false);
      assert.match(attempt?.detail ?? '', /software adapters are used only when webgpu is named|no GPU device node/);
    }
    const n = ok(named);
    if (webgpu.skip) {
      assert.equal(n.name, 'wasm', `no adapter here (${webgpu.skip}), so down the order`);
    } else {
      assert.equal(n.name, 'webgpu');
      assert.equal(n.adapter?.summary, webgpu.adapter?.summary);
    }
    const refused = ok(notAllowed);
    assert.equal(refused.name, 'wasm');
    assert.match(refused.reason, /webgpu: not used in this thread/);
  });

  test('software adapters are told apart by Dawn\'s fallback flag or their names', () => {
    const info = (device: string, description = '', vendor = '') => ({ vendor, architecture: '', device, description });
    assert.equal(isSoftwareAdapter(info('llvmpipe-llvm-15-0-6-256-bits-', 'OpenGL version 4.5 (Core Profile) Mesa 22.3.6')), true);
    assert.equal(isSoftwareAdapter(info('llvmpipe (LLVM 15.0.6, 256 bits)', 'Mesa 22.3.6 (LLVM 15.0.6)', 'mesa')), true);
    assert.equal(isSoftwareAdapter(info('SwiftShader Device (Subzero)', 'SwiftShader driver', 'google')), true);
    assert.equal(isSoftwareAdapter({ ...info('Microsoft Basic Render Driver'), isFallbackAdapter: true }), true);
    assert.equal(isSoftwareAdapter(info('NVIDIA H200', 'NVIDIA: 550.54.15 550.54.15.0', 'nvidia')), false);
    assert.equal(isSoftwareAdapter(info('AMD Radeon Pro W7900 (RADV NAVI31)', 'radv Mesa 24.0.5', 'amd')), false);
  });

  test('rejects unknown names and is idempotent in-process', async () => {
    await assert.rejects(selectBackend({ preferred: 'webgl' }), /unknown TensorFlow.js backend 'webgl'/);
    const [a, b] = await Promise.all([selectBackend({ preferred: 'cpu' }), selectBackend({ preferred: 'wasm' })]);
    assert.equal(a, b);
    assert.equal(a.name, 'cpu');
    assert.equal(await selectBackend(), a);
  });
});
