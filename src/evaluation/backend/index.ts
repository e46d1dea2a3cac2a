export {
  BACKEND_ENV_VAR,
  BACKEND_ORDER,
  currentBackendSelection,
  isGpuBackend,
  selectBackend,
  type BackendAttempt,
  type BackendLog,
  type BackendName,
  type BackendSelection,
  type SelectBackendOptions,
} from './select.js';
export { MISSING_WASM_KERNELS, registerWasmTrainingKernels, type WasmKernelRegistration } from './wasm-kernels.js';
export type { WebGpuAdapter, WebGpuFault } from './webgpu.js';
