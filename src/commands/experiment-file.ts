import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CreateExperimentInput } from '../core/experiments/experiment.service.js';
import type { SpaceFormat } from '../core/search-spaces/search-space.service.js';
import { InvalidInputError } from '../errors/index.js';

/**
 * An experiment file: the experiment's input (as `createExperiment` takes it) with the
 * search space inline or as a path relative to the file.
 */
export interface ExperimentFile extends Omit<CreateExperimentInput, 'searchSpaceId'> {
  readonly searchSpace: string | Record<string, unknown>;
  readonly searchSpaceFormat?: SpaceFormat;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw InvalidInputError.field(what, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw InvalidInputError.field(what, `${path} is not JSON: ${(error as Error).message}`);
  }
}

export function readExperimentFile(path: string): { experiment: ExperimentFile; space: unknown } {
  const experiment = readJson(path, 'file') as ExperimentFile;
  if (experiment === null || typeof experiment !== 'object' || Array.isArray(experiment)) throw InvalidInputError.field('file', 'must hold a JSON object');
  const space = typeof experiment.searchSpace === 'string' ? readJson(resolve(dirname(path), experiment.searchSpace), 'searchSpace') : experiment.searchSpace;
  if (space === undefined) throw InvalidInputError.field('searchSpace', 'is required: a definition or a path to one');
  return { experiment, space };
}

/** The experiment's input for `createExperiment`, without the file's own fields. */
export function experimentInput(file: ExperimentFile): Omit<CreateExperimentInput, 'searchSpaceId'> {
  const { searchSpaceFormat: _format, searchSpace: _space, ...input } = file;
  return input;
}

/** Epochs each trial trains, where the evaluator's options say (the trainer's `epochs`). */
export function epochsOf(evaluator: { readonly options?: Readonly<Record<string, unknown>> | null }): number | null {
  const epochs = evaluator.options?.epochs;
  return typeof epochs === 'number' && Number.isInteger(epochs) && epochs > 0 ? epochs : null;
}
