/**
 * Waiting for a Dawn event (a buffer mapping) without returning to the event loop.
 *
 * tfjs reads tensors synchronously (`dataSync`, in the training loop and in tfjs-layers),
 * and the WebGPU backend's own `readSync` draws through an OffscreenCanvas, which Node
 * does not have. A WebGPU readback is `mapAsync`, and Dawn's Node bindings only complete
 * it inside `wgpuInstanceProcessEvents`, which they run from a callback they hand to the
 * global `setImmediate` whenever asynchronous work is pending (dawn/node/binding/
 * AsyncRunner.cpp looks `setImmediate` up on every schedule).
 *
 * So this module wraps `setImmediate` once per thread, before Dawn loads: callbacks that
 * are native functions without a name (what Napi::Function::New makes; JavaScript
 * callbacks and bound functions both have source text or a name) are still queued on the
 * real event loop, but also kept here, so `pumpDawnEvents` can run them at once and
 * cancel their queued copy. Running them early is what the event loop would have done
 * next; nothing else on the loop runs out of turn. Every other callback goes straight to
 * the real `setImmediate`.
 */
import { isMainThread, threadId } from 'node:worker_threads';

interface Tick {
  readonly fn: (...args: unknown[]) => void;
  readonly args: unknown[];
}

const ticks = new Set<Tick>();
let installed = false;

function isDawnTick(fn: unknown): fn is (...args: unknown[]) => void {
  return typeof fn === 'function' && fn.name === '' && Function.prototype.toString.call(fn).includes('[native code]');
}

/** Idempotent; must run before Dawn's first asynchronous call in this thread. */
export function installDawnEventPump(): void {
  if (installed) return;
  installed = true;
  const realSetImmediate = globalThis.setImmediate;
  const wrapped = function setImmediate(fn: unknown, ...args: unknown[]): NodeJS.Immediate {
    if (!isDawnTick(fn)) return (realSetImmediate as (f: unknown, ...a: unknown[]) => NodeJS.Immediate)(fn, ...args);
    const tick: Tick = { fn, args };
    ticks.add(tick);
    return realSetImmediate(() => {
      if (ticks.delete(tick)) tick.fn(...tick.args);
    });
  };
  // util.promisify(setImmediate) reads a symbol Node hangs on the function; carry it over.
  for (const key of Object.getOwnPropertySymbols(realSetImmediate)) {
    const descriptor = Object.getOwnPropertyDescriptor(realSetImmediate, key);
    if (descriptor) Object.defineProperty(wrapped, key, descriptor);
  }
  globalThis.setImmediate = wrapped as typeof globalThis.setImmediate;
}

/** Longest single wait for the device; a hung GPU is reported rather than waited on forever. */
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs Dawn's pending event processing until `done()` holds. Between rounds that made no
 * progress it sleeps a little (up to 1 ms), so a long GPU job does not cost a CPU core
 * that a software rasteriser or another trial could use.
 */
export function pumpDawnEvents(done: () => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  if (!installed) throw new Error(`${what}: the Dawn event pump is not installed in this thread`);
  const started = performance.now();
  let idleRounds = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (!done()) {
    const due = [...ticks];
    if (due.length === 0) {
      throw new Error(`${what}: Dawn has no event processing scheduled, so the wait could never end`);
    }
    for (const tick of due) {
      ticks.delete(tick);
      tick.fn(...tick.args);
    }
    if (done()) return;
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${what}: the GPU did not answer within ${timeoutMs} ms (${isMainThread ? 'main thread' : `worker thread ${threadId}`})`);
    }
    idleRounds++;
    if (idleRounds > 16) Atomics.wait(sleeper, 0, 0, Math.min(1, (idleRounds - 16) * 0.05));
  }
}
