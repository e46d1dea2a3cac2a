/**
 * Training kernels that @tensorflow/tfjs-backend-wasm 4.22 lacks, gets wrong or runs
 * slowly, written as compositions of kernels the wasm backend runs through XNNPACK
 * (MaxPoolGrad alone is a JavaScript loop over the wasm heap, see there).
 *
 * Each kernel function runs ordinary tf ops on the wasm backend inside a `tf.tidy` and
 * returns the resulting Tensor. The engine accepts a Tensor as a kernel output (it skips
 * wrapping anything that already has a rank) and, because kernels run with
 * `kernelDepth > 0`, the nested ops are not recorded on a gradient tape. The tidy frees
 * every intermediate, so a call adds exactly one tensor: its output.
 *
 * The formulations avoid the wasm backend's slow paths: `matMul` with a transpose flag and
 * its own `Conv2DBackpropInput` both fall back to naive loops, while forward `Conv2D` and
 * `DepthwiseConv2dNative` (XNNPACK, with dilation support) are fast.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {
  BatchMatMulAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  MaxPoolGradAttrs,
  OneHotAttrs,
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  Tensor,
  Tensor4D,
  TensorInfo,
  UnsortedSegmentSumAttrs,
} from '@tensorflow/tfjs-core';

type Shape4 = [number, number, number, number];

const BACKEND = 'wasm';

function inputTensor(info: TensorInfo | undefined, name: string, kernel: string): Tensor {
  // Tensor inputs are what every op passes to engine.runKernel. A bare TensorInfo (a
  // backend calling this kernel function directly) could not be wrapped without taking
  // over the caller's reference count, so it is refused rather than risk a double free.
  if (info instanceof tf.Tensor) return info;
  if (info == null) throw new Error(`${kernel}: missing input '${name}'`);
  throw new Error(`${kernel}: input '${name}' must be a tf.Tensor (call it through tf ops or engine.runKernel)`);
}

function attrsOf<T>(attrs: NamedAttrMap | undefined): T {
  // NamedAttrMap is an untyped bag; each kernel's attrs interface is the documented contract.
  return (attrs ?? {}) as unknown as T;
}

/**
 * Rows [-before, -before + length) and the same for columns of an NHWC tensor, reading
 * `fill` outside it. Pads and crops in one place because explicit or 'same' paddings can
 * add more rows than the window ever reads, and a negative `before` means cropping.
 */
function window2d(x: Tensor4D, beforeH: number, lengthH: number, beforeW: number, lengthW: number, fill = 0): Tensor4D {
  const [, h, w] = x.shape;
  const padTop = Math.max(0, beforeH);
  const padLeft = Math.max(0, beforeW);
  const cropTop = Math.max(0, -beforeH);
  const cropLeft = Math.max(0, -beforeW);
  const padBottom = Math.max(0, lengthH - (h + beforeH));
  const padRight = Math.max(0, lengthW - (w + beforeW));
  let out = x;
  if (padTop + padBottom + padLeft + padRight > 0) {
    out = tf.pad(out, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], fill);
  }
  const [n, ph, pw, c] = out.shape;
  if (cropTop > 0 || cropLeft > 0 || ph - cropTop !== lengthH || pw - cropLeft !== lengthW) {
    out = tf.slice(out, [0, cropTop, cropLeft, 0], [n, lengthH, lengthW, c]);
  }
  return out;
}

/**
 * Spreads the rows and columns of `dy` `strides` apart with zeros between them
 * (transposed-convolution "dilation" of the gradient); the result keeps `s - 1` trailing
 * zeros per dimension, which callers treat as padding.
 */
function spreadByStrides(dy: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape;
  const six = tf.reshape(dy, [n, oh, 1, ow, 1, c]);
  const padded = tf.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(padded, [n, oh * sh, ow * sw, c]);
}

function checkDy(kernel: string, dy: { readonly shape: readonly number[] }, expected: Shape4): void {
  if (!tf.util.arraysEqual([...dy.shape], expected)) {
    throw new Error(`${kernel}: dy has shape [${dy.shape.join(',')}], expected [${expected.join(',')}]`);
  }
}

function toNhwc(t: Tensor4D, dataFormat: 'NHWC' | 'NCHW' | undefined): Tensor4D {
  return dataFormat === 'NCHW' ? tf.transpose(t, [0, 2, 3, 1]) : t;
}

/**
 * Largest kh·kw·ci for which the filter gradient is an explicit im2col product. The
 * role-swapped convolution below computes a GEMM with kh·kw·ci output rows, and XNNPACK
 * runs it at a few GFLOP/s when that is small (a 3×3 filter over 1 input channel: 16 ms
 * for a batch of 64 at 28×28, against 2 ms as im2col); from a few dozen rows on it is as
 * fast as im2col without copying the input nine times.
 */
const IM2COL_MAX_ROWS = 64;

/**
 * Filter gradient of conv2d. dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·s+kh, ow·s+kw, ci] · dy[n,oh,ow,co]
 * is itself a valid convolution once batch and channels swap roles: the input becomes
 * [ci, h, w, n], the "filter" is dy as [oh, ow, n, co] dilated by the forward stride, and
 * the output [ci, kh, kw, co]. That is the im2col product (one GEMM, K = n·oh·ow) done
 * by XNNPACK's convolution. With few input channels and stride 1 the im2col matrix is
 * built explicitly instead (see IM2COL_MAX_ROWS); strided slices are a slow generic loop
 * on wasm, so strided convolutions always take the convolution.
 */
export function conv2DBackpropFilterImpl(x: Tensor4D, dy: Tensor4D, attrs: Conv2DBackpropFilterAttrs): Tensor4D {
  const name = 'Conv2DBackpropFilter';
  return tf.tidy(() => {
    const xh = toNhwc(x, attrs.dataFormat);
    const dyh = toNhwc(dy, attrs.dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      xh.shape, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    const { batchSize, outHeight, outWidth, outChannels, inChannels, strideHeight: sh, strideWidth: sw } = info;
    const { filterHeight: kh, filterWidth: kw } = info;
    checkDy(name, dyh, [batchSize, outHeight, outWidth, outChannels]);
    // Only the rows some output window reads: kh + (oh-1)·s, starting at -padTop.
    const xw = window2d(xh, info.padInfo.top, kh + (outHeight - 1) * sh, info.padInfo.left, kw + (outWidth - 1) * sw);
    if (sh === 1 && sw === 1 && kh * kw * inChannels <= IM2COL_MAX_ROWS) {
      // Rows in filter order (kh, kw, ci), columns (n, oh, ow): the transposed input makes
      // each kernel offset's rows one plain slice.
      const xc = tf.transpose(xw, [3, 0, 1, 2]);
      const rows: Tensor[] = [];
      for (let a = 0; a < kh; a++) {
        for (let b = 0; b < kw; b++) {
          const tap = tf.slice(xc, [0, 0, a, b], [inChannels, batchSize, outHeight, outWidth]);
          rows.push(tf.reshape(tap, [inChannels, batchSize * outHeight * outWidth]));
        }
      }
      const dy2 = tf.reshape(dyh, [batchSize * outHeight * outWidth, outChannels]);
      return tf.reshape<tf.Rank.R4>(tf.matMul(tf.concat(rows, 0), dy2), [kh, kw, inChannels, outChannels]);
    }
    const xt = tf.transpose(xw, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dyh, [1, 2, 0, 3]);
    const out = tf.conv2d(xt, dyAsFilter, 1, 'valid', 'NHWC', [sh, sw]);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

/**
 * Input gradient of conv2d as a forward convolution: dy spread by the strides, padded so
 * every input position sees its full window, convolved with the filter rotated 180° and
 * with in/out channels swapped. The backend's own Conv2DBackpropInput is a plain loop:
 * this was 5-15x faster at stride 1 and still about 2-5x at stride 2, although the
 * spread makes the convolution do s² times the necessary work there.
 */
export function conv2DBackpropInputImpl(dy: Tensor4D, filter: Tensor4D, attrs: Conv2DBackpropInputAttrs): Tensor4D {
  const name = 'Conv2DBackpropInput';
  return tf.tidy(() => {
    const inNhwc: Shape4 = attrs.dataFormat === 'NCHW'
      ? [attrs.inputShape[0], attrs.inputShape[2], attrs.inputShape[3], attrs.inputShape[1]]
      : attrs.inputShape;
    const dyh = toNhwc(dy, attrs.dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      inNhwc, filter.shape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
    );
    checkDy(name, dyh, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
    const { filterHeight: kh, filterWidth: kw } = info;
    const spread = spreadByStrides(dyh, info.strideHeight, info.strideWidth);
    const win = window2d(spread, kh - 1 - info.padInfo.top, info.inHeight + kh - 1, kw - 1 - info.padInfo.left, info.inWidth + kw - 1);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const dx = tf.conv2d(win, rotated, 1, 'valid');
    return attrs.dataFormat === 'NCHW' ? tf.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

/**
 * Filter gradient of a depthwise conv, by the same role swap as the conv2d filter
 * gradient but kept depthwise: batch and channels fold into one channel axis (c, n), dy
 * becomes a per-channel filter [oh, ow, (c, n), mult] dilated by the forward stride, and
 * a depthwise conv over the padded input yields [kh, kw, (c, n, mult)], summed over n.
 * Strided slices of the input with a multiply-and-reduce were 5-50x slower on wasm.
 */
export function depthwiseConv2dNativeBackpropFilterImpl(
  x: Tensor4D, dy: Tensor4D, attrs: DepthwiseConv2dNativeBackpropFilterAttrs,
): Tensor4D {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      x.shape, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast',
    );
    const { batchSize: n, outHeight: oh, outWidth: ow, inChannels: c, outChannels } = info;
    const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
    const { filterHeight: kh, filterWidth: kw } = info;
    const mult = outChannels / c;
    checkDy(name, dy, [n, oh, ow, outChannels]);
    const needH = (kh - 1) * dh + (oh - 1) * sh + 1;
    const needW = (kw - 1) * dw + (ow - 1) * sw + 1;
    const xw = window2d(x, info.padInfo.top, needH, info.padInfo.left, needW);
    const folded = tf.reshape<tf.Rank.R4>(tf.transpose(xw, [1, 2, 3, 0]), [1, needH, needW, c * n]);
    const dyFilter = tf.reshape<tf.Rank.R4>(
      tf.transpose(tf.reshape(dy, [n, oh, ow, c, mult]), [1, 2, 3, 0, 4]), [oh, ow, c * n, mult],
    );
    // The kernel offsets sit dilation apart, which is the stride of this convolution.
    // tf refuses stride and dilation both > 1, so that (direct-call only) case strides
    // by slicing a stride-1 result instead.
    let perOffset: Tensor4D;
    if (sh === 1 && sw === 1) {
      perOffset = tf.depthwiseConv2d(folded, dyFilter, [dh, dw], 'valid');
    } else if (dh === 1 && dw === 1) {
      perOffset = tf.depthwiseConv2d(folded, dyFilter, 1, 'valid', 'NHWC', [sh, sw]);
    } else {
      const dense = tf.depthwiseConv2d(folded, dyFilter, 1, 'valid', 'NHWC', [sh, sw]);
      perOffset = tf.stridedSlice(dense, [0, 0, 0, 0], dense.shape, [1, dh, dw, 1]) as Tensor4D;
    }
    return tf.sum<Tensor4D>(tf.reshape(perOffset, [kh, kw, c, n, mult]), 3);
  });
}

/**
 * Input gradient of a depthwise conv as a forward depthwise conv (XNNPACK): dy spread by
 * the strides and padded, convolved with the spatially flipped filter at the forward
 * dilation, channel multipliers folded into separate channels and summed back.
 */
export function depthwiseConv2dNativeBackpropInputImpl(
  dy: Tensor4D, filter: Tensor4D, attrs: DepthwiseConv2dNativeBackpropInputAttrs,
): Tensor4D {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true, 'channelsLast',
    );
    const { batchSize, inHeight, inWidth, inChannels: c, outChannels } = info;
    const { filterHeight: kh, filterWidth: kw, dilationHeight: dh, dilationWidth: dw } = info;
    const mult = outChannels / c;
    checkDy(name, dy, [batchSize, info.outHeight, info.outWidth, outChannels]);
    const spread = spreadByStrides(dy, info.strideHeight, info.strideWidth);
    const reachH = (kh - 1) * dh;
    const reachW = (kw - 1) * dw;
    const win = window2d(spread, reachH - info.padInfo.top, inHeight + reachH, reachW - info.padInfo.left, inWidth + reachW);
    const flipped = tf.reshape<tf.Rank.R4>(tf.reverse(filter, [0, 1]), [kh, kw, outChannels, 1]);
    const perChannel = tf.depthwiseConv2d(win, flipped, 1, 'valid', 'NHWC', [dh, dw]);
    if (mult === 1) return perChannel;
    return tf.sum<Tensor4D>(tf.reshape(perChannel, [batchSize, inHeight, inWidth, c, mult]), 4);
  });
}

/** The parts of the wasm backend a kernel written in JavaScript needs. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function isWasmHeapBackend(backend: unknown): backend is WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend> | null;
  return b != null && typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

/**
 * MaxPoolGrad, replacing the wasm backend's own, which routes gradients to the wrong
 * input positions for many non-square inputs and 'same' paddings (25 of 60 random cases
 * disagreed with the CPU backend). Matches the CPU semantics: each window's gradient goes
 * to its first maximum in row-major order, padding never wins, a window of NaN or -Inf
 * passes nothing on.
 *
 * A loop over the wasm heap in JavaScript: routing a gradient is a comparison and an add
 * per window element, and every composition of wasm ops tried (one-hot depthwise windows
 * + ArgMax + col2im, equality masks, strided slices) paid 3-30x more in passes over the
 * data and slow non-XNNPACK kernels; this halves the layer's backward time in the small
 * CNN compared with the best of them.
 */
export function maxPoolGradImpl(backend: unknown, dy: TensorInfo, x: TensorInfo, attrs: MaxPoolGradAttrs): TensorInfo {
  const name = 'MaxPoolGrad';
  if (!isWasmHeapBackend(backend)) throw new Error(`${name}: needs the wasm backend's heap`);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${name}: float32 inputs expected`);
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode,
  );
  const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  checkDy(name, dy, [n, oh, ow, c]);
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput([...x.shape], 'float32');
  // Views are taken after makeOutput, whose allocation may grow (and so detach) the heap.
  const xs = backend.typedArrayFromHeap(x);
  const dys = backend.typedArrayFromHeap(dy);
  const dxs = backend.typedArrayFromHeap(out);
  dxs.fill(0);
  // One output row at a time, channels innermost: the reads run along memory.
  const rowLength = ow * c;
  const best = new Float32Array(rowLength);
  const argBest = new Int32Array(rowLength);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < oh; r++) {
      best.fill(-Infinity);
      argBest.fill(-1);
      for (let a = 0; a < kh; a++) {
        const ih = r * sh - top + a;
        if (ih < 0 || ih >= h) continue;
        const inRow = (b * h + ih) * w;
        for (let q = 0; q < ow; q++) {
          const o = q * c;
          for (let e = 0; e < kw; e++) {
            const iw = q * sw - left + e;
            if (iw < 0 || iw >= w) continue;
            const base = (inRow + iw) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = xs[base + ch] as number;
              if (v > (best[o + ch] as number)) {
                best[o + ch] = v;
                argBest[o + ch] = base + ch;
              }
            }
          }
        }
      }
      const dyRow = (b * oh + r) * rowLength;
      for (let i = 0; i < rowLength; i++) {
        const at = argBest[i] as number;
        if (at >= 0) dxs[at] = (dxs[at] as number) + (dys[dyRow + i] as number);
      }
    }
  }
  return out;
}

/**
 * OneHot, replacing wasm's, which writes int32 bit patterns whatever the dtype: a float32
 * one-hot comes out as 1.4e-45 instead of 1 (so would label smoothing, or any
 * tf.oneHot(..., 'float32')). int32 requests keep the original kernel.
 */
export function oneHotImpl(indices: Tensor, attrs: OneHotAttrs): Tensor {
  return tf.tidy(() => {
    // The int32 one-hot is right (and this kernel hands int32 to the original), and a
    // cast or select over it is fast; comparing against a broadcast range was 40x slower.
    const ints = tf.oneHot(tf.cast(indices, 'int32'), attrs.depth, 1, 0, 'int32');
    if (attrs.onValue === 1 && attrs.offValue === 0) return tf.cast(ints, attrs.dtype);
    return tf.where(tf.cast(ints, 'bool'), tf.fill(ints.shape, attrs.onValue, attrs.dtype), tf.fill(ints.shape, attrs.offValue, attrs.dtype));
  });
}

/**
 * Segment sum via ScatterNd (which accumulates duplicate indices). Ids outside
 * [0, numSegments) are dropped, as on the CPU backend, by zeroing their rows and
 * pointing them at segment 0.
 */
export function unsortedSegmentSumImpl(x: Tensor, segmentIds: Tensor, attrs: UnsortedSegmentSumAttrs): Tensor {
  const name = 'UnsortedSegmentSum';
  return tf.tidy(() => {
    const { numSegments } = attrs;
    const n = x.shape[0] ?? 0;
    if (segmentIds.rank !== 1 || segmentIds.shape[0] !== n) {
      throw new Error(`${name}: segmentIds must be 1-D with x.shape[0] = ${n} entries, got [${segmentIds.shape.join(',')}]`);
    }
    const outShape = [numSegments, ...x.shape.slice(1)];
    if (n === 0) return tf.zeros(outShape, x.dtype);
    const ids = tf.cast(segmentIds, 'int32');
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, numSegments));
    const safeIds = tf.where(valid, ids, tf.zerosLike(ids));
    const maskShape = [n, ...x.shape.slice(1).map(() => 1)];
    const safeX = tf.mul(x, tf.cast(tf.reshape(valid, maskShape), x.dtype));
    return tf.scatterND(tf.reshape(safeIds, [n, 1]), safeX, outShape);
  });
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const k = 'Conv2DBackpropFilter';
  return conv2DBackpropFilterImpl(
    inputTensor(inputs.x, 'x', k) as Tensor4D, inputTensor(inputs.dy, 'dy', k) as Tensor4D, attrsOf(attrs),
  );
};

const depthwiseBackpropFilter: KernelFunc = ({ inputs, attrs }) => {
  const k = 'DepthwiseConv2dNativeBackpropFilter';
  return depthwiseConv2dNativeBackpropFilterImpl(
    inputTensor(inputs.x, 'x', k) as Tensor4D, inputTensor(inputs.dy, 'dy', k) as Tensor4D, attrsOf(attrs),
  );
};

const depthwiseBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const k = 'DepthwiseConv2dNativeBackpropInput';
  return depthwiseConv2dNativeBackpropInputImpl(
    inputTensor(inputs.dy, 'dy', k) as Tensor4D, inputTensor(inputs.filter, 'filter', k) as Tensor4D, attrsOf(attrs),
  );
};

const conv2DBackpropInput: KernelFunc = ({ inputs, attrs }) => {
  const k = 'Conv2DBackpropInput';
  return conv2DBackpropInputImpl(
    inputTensor(inputs.dy, 'dy', k) as Tensor4D, inputTensor(inputs.filter, 'filter', k) as Tensor4D, attrsOf(attrs),
  );
};

const maxPoolGrad: KernelFunc = ({ inputs, attrs, backend }) => {
  const { dy, input } = inputs;
  if (dy == null || input == null) throw new Error("MaxPoolGrad: inputs 'dy' and 'input' are required");
  return maxPoolGradImpl(backend, dy, input, attrsOf(attrs));
};

/**
 * BatchMatMul with a transpose flag runs as a naive loop on wasm (dense layers' weight and
 * input gradients are both such products: 15 ms for 64×3136 by 64×128, against 2 ms
 * here); an explicit transpose (a copy) and the untransposed XNNPACK product are faster.
 */
export function batchMatMulImpl(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Tensor {
  return tf.tidy(() => {
    const swapLast = (t: Tensor): Tensor => {
      const perm = t.shape.map((_, i) => i);
      perm[t.rank - 2] = t.rank - 1;
      perm[t.rank - 1] = t.rank - 2;
      return tf.transpose(t, perm);
    };
    return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
  });
}

function batchMatMulReplacing(original: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = attrsOf<BatchMatMulAttrs>(args.attrs);
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const k = 'BatchMatMul';
    return batchMatMulImpl(inputTensor(args.inputs.a, 'a', k), inputTensor(args.inputs.b, 'b', k), attrs.transposeA, attrs.transposeB);
  };
}

function oneHotReplacing(original: KernelFunc): KernelFunc {
  return (args) => {
    const attrs = attrsOf<OneHotAttrs>(args.attrs);
    if (attrs.dtype === 'int32') return original(args);
    return oneHotImpl(inputTensor(args.inputs.indices, 'indices', 'OneHot'), attrs);
  };
}

const unsortedSegmentSum: KernelFunc = ({ inputs, attrs }) => {
  const k = 'UnsortedSegmentSum';
  return unsortedSegmentSumImpl(inputTensor(inputs.x, 'x', k), inputTensor(inputs.segmentIds, 'segmentIds', k), attrsOf(attrs));
};

/** Kernels the wasm backend of tfjs 4.22 does not register at all. */
export const MISSING_WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
] as const;

const missingKernelConfigs: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: BACKEND, kernelFunc: conv2DBackpropFilter },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: BACKEND, kernelFunc: depthwiseBackpropFilter },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: BACKEND, kernelFunc: depthwiseBackpropInput },
  { kernelName: 'UnsortedSegmentSum', backendName: BACKEND, kernelFunc: unsortedSegmentSum },
];

/**
 * Kernels wasm has but gets wrong (MaxPoolGrad, OneHot) or runs as a slow loop
 * (Conv2DBackpropInput, BatchMatMul with transposes); their configs stay, only the
 * function changes.
 */
const REPLACED_WASM_KERNELS: ReadonlyArray<readonly [string, (original: KernelFunc) => KernelFunc]> = [
  ['BatchMatMul', batchMatMulReplacing],
  ['Conv2DBackpropInput', () => conv2DBackpropInput],
  ['MaxPoolGrad', () => maxPoolGrad],
  ['OneHot', oneHotReplacing],
];

export interface WasmKernelRegistration {
  /** Kernels added because wasm had none. */
  readonly added: readonly string[];
  /** Kernels wasm had, now routed to a composition that is correct (MaxPoolGrad, OneHot) or faster. */
  readonly replaced: readonly string[];
  /** Kernels left alone because something (another copy of this module, a newer tfjs) already provides them. */
  readonly skipped: readonly string[];
}

let registration: WasmKernelRegistration | undefined;

/**
 * Registers the compositions above for the 'wasm' backend. Idempotent: the first call
 * decides, later calls return the same summary. Safe before or after the wasm backend
 * initialises, since kernels are looked up per call and none needs a setup step.
 */
export function registerWasmTrainingKernels(): WasmKernelRegistration {
  if (registration) return registration;
  const added: string[] = [];
  const skipped: string[] = [];
  for (const config of missingKernelConfigs) {
    if (tf.getKernel(config.kernelName, BACKEND) != null) {
      skipped.push(config.kernelName);
      continue;
    }
    tf.registerKernel(config);
    added.push(config.kernelName);
  }
  const replaced: string[] = [];
  for (const [kernelName, replacement] of REPLACED_WASM_KERNELS) {
    const original = tf.getKernel(kernelName, BACKEND);
    if (original == null) continue;
    tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ ...original, kernelFunc: replacement(original.kernelFunc) });
    replaced.push(kernelName);
  }
  registration = { added, replaced, skipped };
  return registration;
}
