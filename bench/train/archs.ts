import type { LayersArchitecture } from '../../src/space/types.js';

/** The benchmark's "small CNN": conv32-pool-conv64-pool-dense128, the classic Fashion-MNIST baseline. */
export const SMALL_CNN: LayersArchitecture = {
  kind: 'layers',
  hyperparameters: {},
  layers: [
    { type: 'conv2d', filters: 32, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'maxPool', poolSize: 2, stride: 2, skips: [] },
    { type: 'conv2d', filters: 64, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'maxPool', poolSize: 2, stride: 2, skips: [] },
    { type: 'dense', units: 128, activation: 'relu', skips: [] },
  ],
};

/** The larger proxy's network, twice as wide and twice as deep: conv64-conv64-pool-conv128-conv128-pool-dense256. */
export const WIDE_CNN: LayersArchitecture = {
  kind: 'layers',
  hyperparameters: {},
  layers: [
    { type: 'conv2d', filters: 64, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'conv2d', filters: 64, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'maxPool', poolSize: 2, stride: 2, skips: [] },
    { type: 'conv2d', filters: 128, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'conv2d', filters: 128, kernelSize: 3, stride: 1, activation: 'relu', skips: [] },
    { type: 'maxPool', poolSize: 2, stride: 2, skips: [] },
    { type: 'dense', units: 256, activation: 'relu', skips: [] },
  ],
};
