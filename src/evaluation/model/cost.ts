import type * as tfl from '@tensorflow/tfjs-layers';

export interface ModelCost {
  /** Trainable parameters. */
  readonly params: number;
  /** Non-trainable weights (batch-norm moving statistics). */
  readonly nonTrainableParams: number;
  /** Forward FLOPs for one sample, counted as 2 × multiply-accumulates (see below). */
  readonly flops: number;
}

/**
 * FLOPs are 2 × the multiply-accumulates of convolutions, depthwise convolutions and dense
 * layers, computed from each layer's kernel and output shapes (biases, batch norm,
 * activations, pooling and additions are not counted: they are memory-bound and together
 * a few per cent of the total). Many NAS papers quote MACs as "FLOPs"; divide by 2 to
 * compare with them.
 */
export function modelCost(model: tfl.LayersModel): ModelCost {
  let macs = 0;
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /(kernel|depthwise_kernel)$/.test(w.originalName))?.shape;
    if (!kernel) continue;
    const out = layer.outputShape as (number | null)[];
    const kernelSize = size(kernel);
    switch (layer.getClassName()) {
      case 'Conv2D':
      case 'DepthwiseConv2D':
        // Every output position applies the whole kernel once: kh·kw·cin·(cout or multiplier).
        macs += kernelSize * (out[1] as number) * (out[2] as number);
        break;
      case 'Dense':
        macs += kernelSize;
        break;
    }
  }
  const trainable = model.trainableWeights.reduce((n, w) => n + size(w.shape), 0);
  const nonTrainable = model.nonTrainableWeights.reduce((n, w) => n + size(w.shape), 0);
  return { params: trainable, nonTrainableParams: nonTrainable, flops: 2 * macs };
}

/** Weight shapes are always concrete; the null in tfjs's Shape type is for batch dims. */
function size(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, b) => a * (b ?? 1), 1);
}
