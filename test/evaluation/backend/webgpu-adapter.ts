/**
 * Whether this test process has a WebGPU adapter: a GPU through Vulkan, or Mesa's
 * llvmpipe through Dawn's OpenGL backend. Where there is none, the WebGPU tests are
 * skipped with a loud line, unless GRAPHNAS_REQUIRE_WEBGPU makes the absence a failure:
 * `1` (CI, where .ci/run installs Mesa) accepts the software adapter, `hardware`
 * (scripts/gpu-check.sh) insists on a real GPU.
 */
import { initWebGpu, prepareSoftwareGlEnvironment, type WebGpuAdapter } from '../../../src/evaluation/backend/webgpu.js';

export const REQUIRE_WEBGPU_ENV = 'GRAPHNAS_REQUIRE_WEBGPU';

export interface WebGpuForTests {
  /** Why the WebGPU tests are skipped, or null when they run. */
  readonly skip: string | null;
  readonly adapter?: WebGpuAdapter;
}

let probe: Promise<WebGpuForTests> | undefined;

/**
 * Acquires the adapter for this process (the device stays, as tfjs's `webgpu` backend;
 * tests switch between it and `cpu` with tf.setBackend). Once per process.
 */
export function webGpuForTests(): Promise<WebGpuForTests> {
  probe ??= (async () => {
    const required = process.env[REQUIRE_WEBGPU_ENV];
    prepareSoftwareGlEnvironment();
    const init = await initWebGpu({ allowSoftware: required !== 'hardware' });
    if (!init.ok) {
      const message = `no WebGPU adapter (${init.detail})`;
      if (required) throw new Error(`${message}; ${REQUIRE_WEBGPU_ENV}=${required} makes the WebGPU tests mandatory`);
      const skip = `${message}: SKIPPING the WebGPU tests`;
      console.warn(`\n!!!!! ${skip} !!!!!\n`);
      return { skip };
    }
    if (required === 'hardware' && init.adapter.software) {
      throw new Error(`${REQUIRE_WEBGPU_ENV}=hardware, but the only adapter is software: ${init.adapter.summary}`);
    }
    console.log(`# webgpu adapter: ${init.adapter.summary}`);
    return { skip: null, adapter: init.adapter };
  })();
  return probe;
}
