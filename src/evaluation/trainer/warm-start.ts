import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** One layer's weights with its signature; plain data so it can cross to and from workers. */
export interface LayerWeights {
  readonly className: string;
  readonly shapes: readonly (readonly number[])[];
  readonly values: readonly Float32Array[];
}

export type DonorWeights = readonly LayerWeights[];

function signature(className: string, shapes: readonly (readonly (number | null)[])[]): string {
  return `${className}:${JSON.stringify(shapes)}`;
}

/** Copies every weighted layer's values (trainable and batch-norm statistics) out of a model. */
export function extractWeights(model: tfl.LayersModel): DonorWeights {
  return model.layers
    .filter((l) => l.weights.length > 0)
    .map((l) => ({
      className: l.getClassName(),
      shapes: l.weights.map((w) => w.shape as number[]),
      values: l.weights.map((w) => w.read().dataSync() as Float32Array).map((v) => Float32Array.from(v)),
    }));
}

/**
 * Initialises each layer of `model` from the first unused donor layer with the same
 * signature (class and every weight shape), in network order, so the stem of a donor
 * seeds the stem of the child rather than a similar-looking layer deep inside it.
 * Returns how many layers were initialised.
 */
export function applyWarmStart(model: tfl.LayersModel, donor: DonorWeights): number {
  const pool = new Map<string, LayerWeights[]>();
  for (const d of donor) {
    const key = signature(d.className, d.shapes);
    const list = pool.get(key) ?? [];
    list.push(d);
    pool.set(key, list);
  }
  let transferred = 0;
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const match = pool.get(signature(layer.getClassName(), layer.weights.map((w) => w.shape)))?.shift();
    if (!match) continue;
    const tensors = match.values.map((v, i) => tf.tensor(v, [...match.shapes[i]]));
    try {
      layer.setWeights(tensors);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
    transferred++;
  }
  return transferred;
}
