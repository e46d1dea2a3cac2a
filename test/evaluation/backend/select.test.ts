import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { BackendSelection } from '../../../src/evaluation/backend/index.js';
import { BACKEND_ENV_VAR, selectBackend } from '../../../src/evaluation/backend/index.js';

interface WorkerResult {
  readonly selection?: BackendSelection;
  readonly sameObject?: boolean;
  readonly tfBackend?: string;
  readonly gradSum?: number;
  readonly logs?: string[];
  readonly error?: string;
}

/** selectBackend is once per thread, so each scenario gets a fresh worker. */
function inWorker(job: { preferred?: string; native: string }, env: Record<string, string | undefined> = {}): Promise<WorkerResult> {
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
      inWorker({ native: 'absent' }, { [BACKEND_ENV_VAR]: 'cpu' }),
      inWorker({ native: 'absent', preferred: 'wasm' }, { [BACKEND_ENV_VAR]: 'cpu' }),
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

  test('rejects unknown names and is idempotent in-process', async () => {
    await assert.rejects(selectBackend({ preferred: 'webgl' }), /unknown TensorFlow.js backend 'webgl'/);
    const [a, b] = await Promise.all([selectBackend({ preferred: 'cpu' }), selectBackend({ preferred: 'wasm' })]);
    assert.equal(a, b);
    assert.equal(a.name, 'cpu');
    assert.equal(await selectBackend(), a);
  });
});
