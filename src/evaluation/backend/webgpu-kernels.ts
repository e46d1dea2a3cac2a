/**
 * Training kernels that @tensorflow/tfjs-backend-webgpu 4.22 gets wrong, replaced for the
 * `webgpu` backend. Every other kernel the child networks use (convolutions and their
 * gradients, depthwise and separable, pooling, batch norm, dense with fused activations,
 * merges, dropout) matches the CPU backend to 1e-6 (test/evaluation/backend/
 * webgpu-kernels.test.ts).
 *
 * MaxPoolGrad: the shipped shader records a window's *last* maximum (`value >= max`), so
 * on ties (a window of ReLU zeros, saturated pixels) the gradient reaches another input
 * than on the CPU backend and in TensorFlow, which pick the first in row-major order.
 * Here the same two passes (each window's argmax, then a gather of dy into the input)
 * run with the first maximum, and as on the CPU a window of -Inf or NaN passes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { WebGPUProgram as Program } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';
import type { KernelConfig, KernelFunc, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';

const BACKEND = 'webgpu';

function program(outputShape: number[], shaderKey: string, variableNames: string[], uniforms: string, body: string): Program {
  const workgroupSize: [number, number, number] = [64, 1, 1];
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  return {
    outputShape,
    shaderKey,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
    variableNames,
    uniforms,
    workgroupSize,
    size: true,
    // The backend wraps this in its header (uniforms, getX, getCoordsFromIndex, …).
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let coords = getCoordsFromIndex(index);
          ${body}
        }
      }`,
  };
}

/**
 * Per output cell, the window offset (wR · filterWidth + wC) of the first maximum, or -1
 * when no element exceeds -Inf. -0x1.fffffep+127 is the lowest finite float: WGSL has no
 * infinity literal.
 */
function firstMaxPositions(info: tf.backend_util.Conv2DInfo): Program {
  return program(info.outShape, 'graphnas_maxPoolFirstPositions', ['x'], 'strides : vec2<i32>, pads : vec2<i32>, convDims : vec2<i32>, filterDims : vec2<i32>,', `
          let batch = coords[0];
          let d = coords[3];
          let corner = vec2<i32>(coords.yz) * uniforms.strides - uniforms.pads;
          var maxValue = 0.0;
          var found = false;
          var maxPosition = -1;
          for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
            let xR = corner.x + wR;
            if (xR < 0 || xR >= uniforms.convDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
              let xC = corner.y + wC;
              if (xC < 0 || xC >= uniforms.convDims.y) { continue; }
              let value = getX(batch, xR, xC, d);
              if ((found && value > maxValue) || (!found && value >= -0x1.fffffep+127f)) {
                maxValue = value;
                found = true;
                maxPosition = wR * uniforms.filterDims.y + wC;
              }
            }
          }
          setOutputAtIndexI32(index, maxPosition);`);
}

/** dx at each input cell: the dy of every window whose recorded position is this cell. */
function gatherToMaxima(info: tf.backend_util.Conv2DInfo): Program {
  return program(info.inShape, 'graphnas_maxPoolFirstBackprop', ['dy', 'maxPos'], 'strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, outDims : vec2<i32>,', `
          let batch = coords[0];
          let d = coords[3];
          var total = 0.0;
          for (var wR = 0; wR < uniforms.filterDims.x; wR++) {
            let fromTop = coords[1] + uniforms.pads.x - wR;
            if (fromTop < 0 || fromTop % uniforms.strides.x != 0) { continue; }
            let dyR = fromTop / uniforms.strides.x;
            if (dyR >= uniforms.outDims.x) { continue; }
            for (var wC = 0; wC < uniforms.filterDims.y; wC++) {
              let fromLeft = coords[2] + uniforms.pads.y - wC;
              if (fromLeft < 0 || fromLeft % uniforms.strides.y != 0) { continue; }
              let dyC = fromLeft / uniforms.strides.y;
              if (dyC >= uniforms.outDims.y) { continue; }
              if (i32(getMaxPos(batch, dyR, dyC, d)) == wR * uniforms.filterDims.y + wC) {
                total += getDy(batch, dyR, dyC, d);
              }
            }
          }
          setOutputAtIndex(index, total);`);
}

function maxPoolGradFirstMaximum(backend: WebGPUBackend, dy: TensorInfo, x: TensorInfo, attrs: MaxPoolGradAttrs): TensorInfo {
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
    throw new Error(`MaxPoolGrad: dy has shape [${dy.shape.join(',')}], expected [${info.outShape.join(',')}]`);
  }
  const strides = { type: 'int32' as const, data: [info.strideHeight, info.strideWidth] };
  const pads = { type: 'int32' as const, data: [info.padInfo.top, info.padInfo.left] };
  const filterDims = { type: 'int32' as const, data: [info.filterHeight, info.filterWidth] };
  const positions = backend.runWebGPUProgram(firstMaxPositions(info), [x], 'int32', [
    strides, pads, { type: 'int32', data: [info.inHeight, info.inWidth] }, filterDims,
  ]);
  try {
    return backend.runWebGPUProgram(gatherToMaxima(info), [dy, positions], 'float32', [
      strides, pads, filterDims, { type: 'int32', data: [info.outHeight, info.outWidth] },
    ]);
  } finally {
    backend.disposeData(positions.dataId);
  }
}

const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs;
  if (dy == null || input == null) throw new Error("MaxPoolGrad: inputs 'dy' and 'input' are required");
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error('MaxPoolGrad: float32 inputs expected');
  // The kernel registry types backends and attrs loosely; this kernel is registered for webgpu only.
  return maxPoolGradFirstMaximum(backend as WebGPUBackend, dy, input, (attrs ?? {}) as unknown as MaxPoolGradAttrs);
};

const REPLACED: readonly KernelConfig[] = [{ kernelName: 'MaxPoolGrad', backendName: BACKEND, kernelFunc: maxPoolGrad }];

let replaced: readonly string[] | undefined;

/**
 * Routes the kernels above to their replacements. Idempotent; safe before or after the
 * backend initialises, since kernels are looked up per call. Returns the names replaced.
 */
export function registerWebGpuTrainingKernels(): readonly string[] {
  if (replaced) return replaced;
  for (const config of REPLACED) {
    if (tf.getKernel(config.kernelName, BACKEND) != null) tf.unregisterKernel(config.kernelName, BACKEND);
    tf.registerKernel(config);
  }
  replaced = REPLACED.map((c) => c.kernelName);
  return replaced;
}
