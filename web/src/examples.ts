import type { JsonValue, SpaceFormat } from './api/documents.js';

/**
 * The repository's examples/*.json, bundled at build time, so that they load with no
 * server round trip and no network (the dashboard works offline).
 */
const files = import.meta.glob<JsonValue>('../../examples/*.json', { eager: true, import: 'default' });

export interface ExperimentExample {
  readonly file: string;
  /** The `name` of the space file it names, as the editor's example creates it. */
  readonly spaceName: string | null;
  readonly experiment: {
    readonly name: string;
    readonly searchSpace: string;
    readonly strategy?: { readonly type: string; readonly hyperparameters?: JsonValue };
    readonly evaluator: { readonly type: string; readonly options?: JsonValue };
    readonly objective?: { readonly metric?: string; readonly direction?: 'MAXIMIZE' | 'MINIMIZE' };
    readonly budget?: { readonly maxTrials?: number; readonly parallelTrials?: number };
    readonly earlyStopping?: { readonly type?: 'median' | 'asha'; readonly metric: string };
    readonly seed?: number;
  };
}

export interface SpaceExample {
  readonly file: string;
  readonly name: string;
  readonly format: SpaceFormat;
  readonly definition: JsonValue;
}

const isObject = (v: JsonValue | undefined): v is { [key: string]: JsonValue } => typeof v === 'object' && v !== null && !Array.isArray(v);
const entries = Object.entries(files)
  .map(([path, value]) => [path.slice(path.lastIndexOf('/') + 1), value] as const)
  .sort(([a], [b]) => a.localeCompare(b));

export const SPACE_EXAMPLES: readonly SpaceExample[] = entries.flatMap(([file, value]): SpaceExample[] => {
  if (!isObject(value) || 'searchSpace' in value) return [];
  if ('cell' in value || 'layers' in value) return [{ file, name: typeof value.name === 'string' ? value.name : file, format: 'GRAPHNAS', definition: value }];
  // NNI's files are a map of parameters, each with a `_type`.
  if (Object.values(value).every((v) => isObject(v) && '_type' in v)) return [{ file, name: `NNI: ${file.replace(/\.json$/, '')}`, format: 'NNI', definition: value }];
  return [];
});

export const EXPERIMENT_EXAMPLES: readonly ExperimentExample[] = entries.flatMap(([file, value]): ExperimentExample[] => {
  if (!isObject(value) || typeof value.searchSpace !== 'string' || !isObject(value.evaluator)) return [];
  const space = SPACE_EXAMPLES.find((s) => s.file === value.searchSpace);
  return [{ file, spaceName: space?.name ?? null, experiment: value as unknown as ExperimentExample['experiment'] }];
});
