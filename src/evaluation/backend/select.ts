/**
 * Picks the TensorFlow.js backend once per process (or worker thread):
 * tfjs-node-gpu → WebGPU on a hardware adapter → tfjs-node → wasm (SIMD) → pure JS cpu,
 * or the one named by the `preferred` option / GRAPHNAS_TF_BACKEND.
 *
 * WebGPU is tried only where the caller allows it (`allowWebGpu`: the training workers).
 * Each thread that uses it holds a device of its own, and the main thread's tensors are
 * the controller's, whose sampling must not change with the GPU a machine happens to
 * have. A software adapter (llvmpipe) is used only when webgpu is named: it is for
 * testing correctness, and slower than wasm.
 *
 * The two native packages are optionalDependencies: their install downloads
 * libtensorflow, which fails without network access and npm then skips them. They are
 * therefore only ever loaded with a dynamic require, and their absence is a normal,
 * logged outcome rather than an error.
 */
import { machine } from '../machine.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
// tfjs-core's CommonJS bundle registers no gradients; the tfjs-layers bundle registers
// all of them, so after selectBackend tf.grad / optimizer.minimize work on any backend.
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels, type WasmKernelRegistration } from './wasm-kernels.js';
import { initWebGpu, type WebGpuAdapter } from './webgpu.js';

export type BackendName = 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order when nothing is requested. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** Whether a backend trains on a GPU (the pool shares such a device between fewer trials). */
export function isGpuBackend(name: BackendName): boolean {
  return name === 'tensorflow-gpu' || name === 'webgpu';
}

export const BACKEND_ENV_VAR = 'GRAPHNAS_TF_BACKEND';

const ALIASES: Readonly<Record<string, BackendName | 'auto'>> = {
  auto: 'auto',
  'tensorflow-gpu': 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  'node-gpu': 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  webgpu: 'webgpu',
  dawn: 'webgpu',
  tensorflow: 'tensorflow',
  'tfjs-node': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const NATIVE_PACKAGES: Readonly<Record<'tensorflow-gpu' | 'tensorflow', string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

export type BackendLog = (msg: string, fields?: object) => void;

export interface SelectBackendOptions {
  /** 'tensorflow-gpu' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu' | 'auto'; overrides GRAPHNAS_TF_BACKEND. */
  readonly preferred?: string;
  /**
   * Whether WebGPU may be used in this thread; without it a request for webgpu goes down
   * the order from there, saying why.
   * @default false
   */
  readonly allowWebGpu?: boolean;
  readonly log?: BackendLog;
  /**
   * How the optional native packages are loaded; defaults to `require`. A seam for tests
   * (simulating a missing or broken package), not meant for production callers.
   */
  readonly loadModule?: (id: string) => unknown;
}

export interface BackendAttempt {
  readonly name: BackendName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface BackendSelection {
  readonly name: BackendName;
  /** What tf.getBackend() reports ('tensorflow' for both native packages). */
  readonly tfBackend: string;
  /** One line saying why: the request and what was skipped on the way. */
  readonly reason: string;
  /** wasm only: whether the SIMD binary was loaded. */
  readonly simd?: boolean;
  /** wasm only: XNNPACK threads (1 in Node, where the threaded binary is unavailable). */
  readonly threads?: number;
  /** wasm only: the training kernels added or replaced. */
  readonly kernels?: WasmKernelRegistration;
  /** webgpu only: the adapter it trains on. */
  readonly adapter?: WebGpuAdapter;
  readonly attempts: readonly BackendAttempt[];
}

let selection: Promise<BackendSelection> | undefined;
let selectedWith: string | undefined;

/**
 * Selects and initialises the backend. Idempotent: the first call decides, later calls
 * (with any options) resolve to the same selection. Unknown names throw; a requested
 * backend that cannot load falls back down the order from it, and `reason` says so.
 */
export function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const log = options.log ?? (() => undefined);
  let request: BackendName | 'auto';
  let source: string;
  try {
    ({ request, source } = resolveRequest(options.preferred));
  } catch (err) {
    return Promise.reject(err);
  }
  if (selection) {
    if (selectedWith !== request) {
      log('tfjs backend already selected; ignoring a different request', { requested: request, selectedWith });
    }
    return selection;
  }
  selectedWith = request;
  selection = doSelect(request, source, options, log).catch((err: unknown) => {
    // Let a later call retry rather than caching a failure forever.
    selection = undefined;
    selectedWith = undefined;
    throw err;
  });
  return selection;
}

/** The selection already made in this thread, if any. */
export function currentBackendSelection(): Promise<BackendSelection> | undefined {
  return selection;
}

/**
 * The backend a training pool asks its workers for: GRAPHNAS_TF_BACKEND (machine settings), when set, wins
 * over the evaluator's configured one, since it is the operator's word about this machine
 * (an experiment's config travels between machines).
 */
export function trainingBackendRequest(configured: string): string {
  return machine().backend?.trim() || configured;
}

/** The canonical name behind a request ('tfjs-node' → tensorflow); throws on an unknown one. */
export function resolveBackendName(raw: string): BackendName | 'auto' {
  return resolveRequest(raw).request;
}

function resolveRequest(preferred: string | undefined): { request: BackendName | 'auto'; source: string } {
  const fromOption = preferred?.trim();
  const fromEnv = machine().backend?.trim();
  const raw = fromOption || fromEnv || 'auto';
  const source = fromOption ? `preferred '${fromOption}'` : fromEnv ? `${BACKEND_ENV_VAR}=${fromEnv}` : 'default order';
  const request = ALIASES[raw.toLowerCase()];
  if (request === undefined) {
    throw new Error(`unknown TensorFlow.js backend '${raw}' (${source}); use one of auto, ${BACKEND_ORDER.join(', ')}`);
  }
  return { request, source };
}

async function doSelect(
  request: BackendName | 'auto', source: string, options: SelectBackendOptions, log: BackendLog,
): Promise<BackendSelection> {
  const webgpu = { allowed: options.allowWebGpu === true, allowSoftware: request === 'webgpu' };
  const ordered = request === 'auto' ? BACKEND_ORDER : BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(request));
  // Where WebGPU is not allowed, `auto` does not mention it; a request that names it says why it was passed over.
  const candidates = webgpu.allowed || request === 'webgpu' ? ordered : ordered.filter((name) => name !== 'webgpu');
  const attempts: BackendAttempt[] = [];
  const loadModule = options.loadModule ?? defaultLoadModule;
  for (const name of candidates) {
    const outcome = await tryBackend(name, loadModule, webgpu);
    attempts.push({ name, ok: outcome.ok, detail: outcome.detail });
    if (!outcome.ok) {
      log('tfjs backend unavailable', { backend: name, detail: outcome.detail });
      continue;
    }
    const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.name}: ${a.detail}`);
    const reason = [`${source}${request === 'auto' ? '' : ` requested ${request}`}`, ...skipped, `using ${name} (${outcome.detail})`]
      .join('; ');
    const result: BackendSelection = { name, tfBackend: tf.getBackend(), reason, attempts, ...outcome.extra };
    log('tfjs backend selected', {
      backend: name, reason, adapter: result.adapter?.summary, simd: result.simd, threads: result.threads,
      kernelsAdded: result.kernels?.added, kernelsReplaced: result.kernels?.replaced,
    });
    return result;
  }
  throw new Error(`no TensorFlow.js backend could be initialised: ${attempts.map((a) => `${a.name}: ${a.detail}`).join('; ')}`);
}

interface Outcome {
  readonly ok: boolean;
  readonly detail: string;
  readonly extra?: Pick<BackendSelection, 'simd' | 'threads' | 'kernels' | 'adapter'>;
}

// Resolving by a runtime string keeps TypeScript from needing (absent) type declarations
// and keeps bundlers from trying to include the native packages.
const dynamicRequire = createRequire(__filename);

function defaultLoadModule(id: string): unknown {
  return dynamicRequire(id);
}

async function tryBackend(
  name: BackendName, loadModule: (id: string) => unknown, webgpu: { allowed: boolean; allowSoftware: boolean },
): Promise<Outcome> {
  try {
    switch (name) {
      case 'tensorflow-gpu':
      case 'tensorflow':
        return await tryNative(NATIVE_PACKAGES[name], loadModule);
      case 'webgpu': {
        if (!webgpu.allowed) return { ok: false, detail: 'not used in this thread (WebGPU is for training workers)' };
        const init = await initWebGpu({ allowSoftware: webgpu.allowSoftware });
        return init.ok ? { ok: true, detail: init.detail, extra: { adapter: init.adapter } } : { ok: false, detail: init.detail };
      }
      case 'wasm':
        return await tryWasm();
      case 'cpu':
        return (await tf.setBackend('cpu'))
          ? { ok: true, detail: 'pure JS, slowest' }
          : { ok: false, detail: 'tf.setBackend("cpu") returned false' };
    }
  } catch (err) {
    return { ok: false, detail: `initialisation failed: ${messageOf(err)}` };
  }
}

async function tryNative(pkg: string, loadModule: (id: string) => unknown): Promise<Outcome> {
  try {
    loadModule(pkg);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const notInstalled = code === 'MODULE_NOT_FOUND' && messageOf(err).includes(pkg);
    return { ok: false, detail: notInstalled ? `${pkg} not installed` : `${pkg} failed to load: ${firstLine(messageOf(err))}` };
  }
  // The package registers 'tensorflow' with the tfjs-core copy it resolves; if that is not
  // ours (a version mismatch that npm could not dedupe), our engine never sees it.
  if (tf.findBackendFactory('tensorflow') == null) {
    return { ok: false, detail: `${pkg} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (a second tfjs-core copy?)` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, detail: `${pkg} loaded but its backend failed to initialise` };
  }
  return { ok: true, detail: `${pkg}, native libtensorflow` };
}

let wasmPathsSet = false;

async function tryWasm(): Promise<Outcome> {
  const kernels = registerWasmTrainingKernels();
  if (!wasmPathsSet) {
    wasmPathsSet = true;
    // Emscripten finds the .wasm next to the JS it runs from, which works from node_modules
    // in the main thread and in worker threads alike; pinning the directory explicitly
    // keeps that true if the JS is ever bundled or copied elsewhere.
    const dir = wasmBinaryDir();
    if (dir != null) {
      try {
        tfWasm.setWasmPaths(dir + '/');
      } catch {
        // Only throws once an initialisation has already been attempted; that attempt's paths stand.
      }
    }
  }
  if (!(await tf.setBackend('wasm'))) {
    return { ok: false, detail: 'tf.setBackend("wasm") returned false (wasm binary not loadable?)' };
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = tfWasm.getThreadsCount();
  // A one-op smoke test, so a broken binary shows up here rather than in the first trial.
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.ones([4]), tf.scalar(2))).dataSync()[0]);
  if (probe !== 8) return { ok: false, detail: `wasm smoke test computed ${probe}, expected 8` };
  return {
    ok: true,
    detail: `${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}; kernels added: ${kernels.added.join(', ') || 'none'}`,
    extra: { simd, threads, kernels },
  };
}

function wasmBinaryDir(): string | undefined {
  try {
    const dir = dirname(dynamicRequire.resolve('@tensorflow/tfjs-backend-wasm'));
    return existsSync(join(dir, 'tfjs-backend-wasm-simd.wasm')) && existsSync(join(dir, 'tfjs-backend-wasm.wasm')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}
