/**
 * The `webgpu` backend: @tensorflow/tfjs-backend-webgpu on Dawn's Node bindings (the
 * `webgpu` package, which ships a prebuilt dawn.node), so GPU training installs from npm
 * alone.
 *
 * Adapters, in order:
 * - hardware: Dawn's default backend (Vulkan on Linux) at the core feature level, through
 *   whatever ICD the machine has (on NVIDIA the driver's; in containers the NVIDIA runtime
 *   exposes it when NVIDIA_DRIVER_CAPABILITIES includes `graphics`);
 * - software, only when `allowSoftware` (WebGPU was named): Mesa's llvmpipe through
 *   Dawn's OpenGL backend. It only appears when asked for at the `compatibility` feature
 *   level, and EGL must be told there is no display (EGL_PLATFORM=surfaceless, see
 *   prepareSoftwareGlEnvironment). Dawn's Vulkan backend refuses Debian 12's lavapipe.
 *
 * An adapter counts as software when Dawn says it is a fallback adapter or its names say
 * llvmpipe, lavapipe, softpipe or SwiftShader (Dawn reports llvmpipe over OpenGL as
 * `isFallbackAdapter: false`).
 *
 * Both the WebGPUBackend and this module keep per-thread state: one device per thread,
 * and a thread whose device failed is meant to be replaced (see webGpuFault).
 */
import { readdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
// The WebGPU API's global types (GPUDevice, GPUBufferUsage, …), which the package declares.
import type {} from 'webgpu';
import { installDawnEventPump, pumpDawnEvents } from './dawn-events.js';
import { registerWebGpuTrainingKernels } from './webgpu-kernels.js';
import { GraphnasError } from '../../errors/index.js';

/** What a trial records and the logs show about the adapter that trains it. */
export interface WebGpuAdapter {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** Dawn's backend: `vulkan` for hardware, `opengl` for llvmpipe. */
  readonly dawnBackend: 'vulkan' | 'opengl';
  readonly software: boolean;
  /** One line: the device name, the driver description, the Dawn backend and whether it is software. */
  readonly summary: string;
}

/** The first thing that went wrong on this thread's device: its results are not to be trusted after it. */
export interface WebGpuFault {
  readonly kind: 'out-of-memory' | 'validation' | 'internal' | 'device-lost';
  readonly message: string;
}

export type WebGpuInit =
  | { readonly ok: true; readonly adapter: WebGpuAdapter; readonly detail: string; readonly kernelsReplaced: readonly string[] }
  | { readonly ok: false; readonly detail: string };

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader/i;

interface Dawn {
  create(options: string[]): GPU;
  readonly globals: object;
}

interface ThreadState {
  /** Kept referenced: Dawn tears the instance down (and the device with it) once this is collected. */
  readonly gpu: GPU;
  readonly device: GPUDevice;
  readonly adapter: WebGpuAdapter;
  fault?: WebGpuFault;
}

let state: ThreadState | undefined;

/**
 * EGL reads EGL_PLATFORM with getenv when Dawn opens its OpenGL backend, and a worker
 * thread's process.env is a copy that never reaches getenv, so the main thread sets it
 * before it starts training workers. Only a default: a value already set stands.
 */
export function prepareSoftwareGlEnvironment(): void {
  if (isMainThread && process.env.EGL_PLATFORM === undefined) process.env.EGL_PLATFORM = 'surfaceless';
}

export function isSoftwareAdapter(info: Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'> & { isFallbackAdapter?: boolean }): boolean {
  return info.isFallbackAdapter === true || SOFTWARE_NAMES.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

function describeAdapter(info: GPUAdapterInfo, dawnBackend: WebGpuAdapter['dawnBackend']): WebGpuAdapter {
  const software = isSoftwareAdapter(info as GPUAdapterInfo & { isFallbackAdapter?: boolean });
  const name = [info.vendor, info.device].filter((s) => s !== '').join(' ') || 'unnamed adapter';
  const summary = `${name}${info.description ? ` (${info.description})` : ''}, Dawn ${dawnBackend}${software ? ', software' : ''}`;
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, dawnBackend, software, summary };
}

/**
 * The first uncaptured GPU error or the device's loss, if any. WebGPU reports both
 * asynchronously and keeps going with invalid objects (a failed allocation reads back as
 * zeros), so a trial checks this before every batch and when it ends, and a thread with a
 * fault gets a fresh device by being replaced.
 */
export function webGpuFault(): WebGpuFault | undefined {
  return state?.fault;
}

/**
 * A trial that the GPU failed: out of memory, an invalid operation (a buffer over the
 * device's limits) or the device lost. Only a lost device is worth retrying as is; the
 * others would fail the same way on the same GPU.
 */
export class GpuFaultError extends GraphnasError {
  constructor(
    readonly fault: WebGpuFault,
    adapter: string,
  ) {
    const what = fault.kind === 'out-of-memory' ? 'ran out of GPU memory' : fault.kind === 'device-lost' ? 'lost its GPU device' : `hit a GPU ${fault.kind} error`;
    super('UNAVAILABLE', `the trial ${what} on ${adapter}: ${fault.message}`, { retryable: fault.kind === 'device-lost', details: { fault: fault.kind } });
  }
}

let dawn: Promise<Dawn> | undefined;

function loadDawn(): Promise<Dawn> {
  // An ES module (loaded on first use only: it maps the 30 MB dawn.node into the thread).
  dawn ??= import('webgpu').then((m) => m as unknown as Dawn);
  return dawn;
}

function installGlobals(gpu: GPU, globals: object): void {
  // tfjs-backend-webgpu uses the browser's globals: GPUBufferUsage, GPUMapMode, and
  // `instanceof GPUBuffer`. Names Node already defines are left alone.
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, writable: true, configurable: true });
  }
  // WebGPUBackend's constructor checks `navigator.gpu`; Node 20 has no navigator, Node 21+ one without gpu.
  const g = globalThis as { navigator?: object };
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, writable: true, configurable: true });
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, writable: true, configurable: true });
}

/**
 * On Linux a GPU that Vulkan can drive shows up as a device node; without one, loading
 * Dawn and asking for an adapter can only fail (and Dawn prints a warning on every try).
 */
function gpuDeviceNodes(): string[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const nodes: string[] = [];
  for (const [dir, pattern] of [['/dev', /^nvidia\d+$/], ['/dev/dri', /^renderD\d+$/]] as const) {
    try {
      nodes.push(...readdirSync(dir).filter((name) => pattern.test(name)).map((name) => `${dir}/${name}`));
    } catch {
      // No such directory: no such devices.
    }
  }
  return nodes;
}

const NO_DEVICE_NODE = 'no GPU device node (/dev/nvidia*, /dev/dri/renderD*)';

async function requestAdapter(d: Dawn, allowSoftware: boolean): Promise<{ gpu: GPU; adapter: GPUAdapter; dawnBackend: WebGpuAdapter['dawnBackend'] } | string> {
  const skipped: string[] = [];
  const nodes = gpuDeviceNodes();
  if (nodes === undefined || nodes.length > 0) {
    const hardwareGpu = d.create([]);
    const hardware = await hardwareGpu.requestAdapter({ powerPreference: 'high-performance' });
    if (hardware && !isSoftwareAdapter(hardware.info)) return { gpu: hardwareGpu, adapter: hardware, dawnBackend: 'vulkan' };
    skipped.push(hardware ? `Vulkan offers only the software adapter ${describeAdapter(hardware.info, 'vulkan').summary}` : 'no Vulkan adapter (libvulkan1 and the GPU driver\'s Vulkan ICD are needed; Dawn logs why on stderr)');
  } else {
    skipped.push(NO_DEVICE_NODE);
  }
  if (!allowSoftware) return `${skipped.join('; ')}; software adapters are used only when webgpu is named`;
  const softwareGpu = d.create(['backend=opengl']);
  const software = await softwareGpu.requestAdapter({ featureLevel: 'compatibility' });
  if (software) return { gpu: softwareGpu, adapter: software, dawnBackend: 'opengl' };
  skipped.push(`no OpenGL adapter either (Mesa's libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri needed, and EGL_PLATFORM=surfaceless; it is ${process.env.EGL_PLATFORM ?? 'unset'})`);
  return skipped.join('; ');
}

function faultOf(error: GPUError): WebGpuFault {
  const type = error.constructor.name;
  const kind = type === 'GPUOutOfMemoryError' ? 'out-of-memory' : type === 'GPUValidationError' ? 'validation' : 'internal';
  return { kind, message: error.message.split('\n', 1)[0] ?? error.message };
}

/** WebGPUBackend internals the synchronous read and the pool trim need (public in JavaScript, private in its typings). */
interface BackendInternals {
  readonly tensorMap: tf.DataStorage<{ values: tf.backend_util.BackendValues | null; dtype: tf.DataType; resource: GPUBuffer | GPUTexture | null }>;
  readonly bufferManager: {
    acquireBuffer(size: number, usage: number): GPUBuffer;
    releaseBuffer(buffer: GPUBuffer): void;
    readonly freeBuffers: Map<string, GPUBuffer[]>;
    numFreeBuffers: number;
    numBytesAllocated: number;
  };
  readonly commandEncoder: GPUCommandEncoder;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

/**
 * The WebGPU backend with a `readSync` that works in Node: a copy into a mappable buffer
 * and a map, waited on by pumping Dawn's events (dawn-events.ts). Called by every
 * `dataSync`, it waits for the GPU work queued so far, as a readback must.
 */
function makeBackendClass(base: typeof WebGPUBackend): new (device: GPUDevice, info: GPUAdapterInfo) => WebGPUBackend {
  return class NodeWebGpuBackend extends base {
    override readSync(dataId: object): tf.backend_util.BackendValues {
      const self = this as unknown as BackendInternals;
      const data = self.tensorMap.get(dataId);
      if (data.values != null || data.dtype === 'string') return data.values as tf.backend_util.BackendValues;
      if (data.dtype === 'complex64') throw new Error('webgpu readSync: complex64 tensors are not read synchronously in Node; use data()');
      const source = data.resource;
      if (!(source instanceof GPUBuffer)) throw new Error('webgpu readSync: the tensor lives in a texture; use data()');
      const staging = self.bufferManager.acquireBuffer(source.size, GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ);
      self.ensureCommandEncoderReady();
      self.endComputePassEncoder();
      self.commandEncoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
      self.submitQueue();
      let rejection: unknown;
      staging.mapAsync(GPUMapMode.READ).catch((err: unknown) => {
        rejection = err;
      });
      pumpDawnEvents(() => staging.mapState !== 'pending', 'webgpu readSync');
      if (staging.mapState !== 'mapped') {
        const why = state?.fault ? ` (${state.fault.kind}: ${state.fault.message})` : rejection instanceof Error ? ` (${rejection.name})` : '';
        throw new Error(`webgpu readSync: mapping the readback buffer failed${why}; the device may be lost`);
      }
      const bytes = staging.getMappedRange().slice(0);
      staging.unmap();
      self.bufferManager.releaseBuffer(staging);
      const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype) as tf.backend_util.BackendValues;
      data.values = values;
      return values;
    }
  };
}

/**
 * Destroys the GPU buffers tfjs keeps for reuse and returns how many bytes that freed.
 * Its pool keeps every released buffer under its exact size and never shrinks, so trials
 * of ever new architectures grow the device's memory until it runs out (3.3 MB after five
 * small CNNs, and on). Meant for between trials, when no trial tensor is alive; buffers
 * in use are not touched. The map's keys stay: tfjs skips all bookkeeping in
 * releaseBuffer while the map is empty.
 */
export function releaseWebGpuBufferPool(): number {
  if (!state || tf.getBackend() !== 'webgpu') return 0;
  const manager = (tf.backend() as unknown as BackendInternals).bufferManager;
  let released = 0;
  for (const buffers of manager.freeBuffers.values()) {
    for (const buffer of buffers) {
      released += buffer.size;
      buffer.destroy();
    }
    manager.numFreeBuffers -= buffers.length;
    buffers.length = 0;
  }
  manager.numBytesAllocated -= released;
  return released;
}

/**
 * Acquires an adapter and a device, registers the backend as tfjs's `webgpu` and makes
 * it current. Once per thread: a second call reports the adapter already in use.
 */
export async function initWebGpu(options: { allowSoftware: boolean }): Promise<WebGpuInit> {
  if (state) {
    if (!(await tf.setBackend('webgpu'))) return { ok: false, detail: 'tf.setBackend("webgpu") returned false on the existing device' };
    return { ok: true, adapter: state.adapter, detail: `${state.adapter.summary} (device already acquired)`, kernelsReplaced: registerWebGpuTrainingKernels() };
  }
  if (!options.allowSoftware && gpuDeviceNodes()?.length === 0) return { ok: false, detail: NO_DEVICE_NODE };
  if (options.allowSoftware) prepareSoftwareGlEnvironment();
  // Before Dawn loads, so that the AsyncRunner's first setImmediate is already seen.
  installDawnEventPump();
  let d: Dawn;
  try {
    d = await loadDawn();
  } catch (err) {
    return { ok: false, detail: `the webgpu package (dawn.node) failed to load: ${firstLine(err)}` };
  }
  // Loaded before navigator.gpu exists, so the package's own registration (which asks
  // for a core adapter and would never see llvmpipe) is skipped; only the kernels register.
  const { WebGPUBackend: Base } = await import('@tensorflow/tfjs-backend-webgpu');
  const found = await requestAdapter(d, options.allowSoftware);
  if (typeof found === 'string') return { ok: false, detail: found };
  const { gpu, adapter, dawnBackend } = found;
  const limits = adapter.limits;
  // The limits tfjs itself asks for: the defaults are far below what GPUs offer (128 MiB bindings).
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  installGlobals(gpu, d.globals);
  const described = describeAdapter(adapter.info, dawnBackend);
  const current: ThreadState = { gpu, device, adapter: described };
  device.addEventListener('uncapturederror', (event) => {
    current.fault ??= faultOf((event as GPUUncapturedErrorEvent).error);
  });
  void device.lost.then((info) => {
    // A destroyed device reports the loss as well; the first fault is the cause.
    current.fault ??= { kind: 'device-lost', message: `device lost (${info.reason})${info.message ? `: ${info.message}` : ''}` };
  });
  if (tf.findBackendFactory('webgpu') != null) tf.removeBackend('webgpu');
  const kernelsReplaced = registerWebGpuTrainingKernels();
  const Backend = makeBackendClass(Base);
  tf.registerBackend('webgpu', () => new Backend(device, adapter.info));
  if (!(await tf.setBackend('webgpu'))) {
    device.destroy();
    return { ok: false, detail: `WebGPUBackend failed to initialise on ${described.summary}` };
  }
  state = current;
  // A readback through the GPU (large enough not to be forwarded to the CPU), so a
  // broken adapter shows up here rather than in the first trial.
  const probe = tf.tidy(() => tf.sum(tf.mul(tf.ones([4096]), tf.scalar(2))).dataSync()[0]);
  if (probe !== 8192 || current.fault) {
    return { ok: false, detail: `smoke test on ${described.summary} computed ${probe}, expected 8192${current.fault ? ` (${current.fault.message})` : ''}` };
  }
  return { ok: true, adapter: described, detail: `${described.summary}; kernels replaced: ${kernelsReplaced.join(', ')}`, kernelsReplaced };
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n', 1)[0] ?? message;
}
