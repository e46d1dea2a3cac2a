import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface SavedModelFiles {
  /** `model.json`: the topology and a weights manifest whose path is relative, as loadLayersModel reads it from a directory or URL. */
  readonly modelJson: Uint8Array;
  /** `weights.bin`: every weight, float32, in the manifest's order. */
  readonly weights: Uint8Array;
}

/**
 * The two files `tf.loadLayersModel('…/model.json')` reads, in the layout that
 * tfjs-layers' own file and HTTP handlers write: one weight group, one shard. (The
 * converter's 4 MB shards help browser caches on large models; a NAS-Bench-201 network
 * is about 6 MB, so one file is simpler to serve and to store.)
 */
export async function saveModelFiles(model: tfl.LayersModel): Promise<SavedModelFiles> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology || !saved.weightSpecs || saved.weightData === undefined) throw new Error('tfjs saved no topology or weights');
  const json: tf.io.ModelJSON = {
    modelTopology: saved.modelTopology,
    format: saved.format,
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: saved.weightSpecs }],
  };
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData));
  return { modelJson: new TextEncoder().encode(JSON.stringify(json)), weights };
}
