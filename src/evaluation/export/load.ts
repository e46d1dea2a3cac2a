/**
 * Reads an exported model directory in Node. tfjs-layers reads `file://` URLs only
 * through tfjs-node, which does not install here, so this is a small IOHandler that
 * reads model.json and the shards its manifest names, relative to the directory.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PREPROCESSING_JSON, parsePreprocessing, type PreprocessingSpec } from './preprocessing.js';
import { MODEL_JSON } from './serialize.js';

export interface ExportedModel {
  readonly dir: string;
  /** Dispose when done. */
  readonly model: tfl.LayersModel;
  readonly preprocessing: PreprocessingSpec;
}

/** A weight path from the manifest, inside `dir` (a manifest naming `../x` or `/etc/x` is refused). */
function inside(dir: string, path: string): string {
  const full = resolve(dir, path);
  const rel = relative(resolve(dir), full);
  if (isAbsolute(path) || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`${MODEL_JSON}: weight path ${JSON.stringify(path)} is outside ${dir}`);
  return full;
}

/** tf.loadLayersModel(fileSystemHandler(dir)) loads an exported model from a directory. */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const path = join(dir, MODEL_JSON);
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
      } catch (error) {
        throw new Error(`${path}: ${(error as Error).message}`);
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const shards = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(inside(dir, p)))));
        // A Buffer may be a view into Node's shared pool: copy each shard into an ArrayBuffer of its own.
        const buffers = shards.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        return [specs, buffers];
      });
    },
  };
}

/** The model and its preprocessing.json. */
export async function loadExportedModel(dir: string): Promise<ExportedModel> {
  const preprocessingPath = join(dir, PREPROCESSING_JSON);
  let text: string;
  try {
    text = await readFile(preprocessingPath, 'utf8');
  } catch (error) {
    throw new Error(`${preprocessingPath}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is ${dir} an exported model directory?`);
  }
  const preprocessing = parsePreprocessing(text, preprocessingPath);
  const model = await tfl.loadLayersModel(fileSystemHandler(dir));
  const shape = model.inputs[0].shape.slice(1);
  if (JSON.stringify(shape) !== JSON.stringify(preprocessing.inputShape)) {
    model.dispose();
    throw new Error(`${dir}: the model takes [${shape.join(', ')}], ${PREPROCESSING_JSON} says [${preprocessing.inputShape.join(', ')}]`);
  }
  return { dir, model, preprocessing };
}
