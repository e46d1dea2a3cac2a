/** The search-space language: a pure library (no I/O, no tfjs, no database, no GraphQL). */
export * from './types.js';
export type { SpaceError } from './errors.js';
export type { SpaceLimits } from './limits.js';
export { DEFAULT_LIMITS } from './limits.js';
export type {
  CellDefinition,
  HyperparameterOption,
  HyperparametersDefinition,
  LayerOverride,
  LayerParam,
  LayersDefinition,
  LayerType,
  LayerTypeDefinition,
  SpaceDefinition,
} from './definition.js';
export { ACTIVATIONS, LAYER_PARAMS, LAYER_TYPES, NB201_SKELETON, OPTIMIZERS } from './definition.js';
export type { CompileOptions, CompileResult, CompiledSpace } from './compile.js';
export { compileSpace } from './compile.js';
export { activeMask, enumerateActions, isActive, sampleActions, validateActions } from './conditions.js';
export { canonicalArchitecture, fingerprint } from './fingerprint.js';
export type { ParsedCell } from './nb201.js';
export { cellArchitectureFromString, formatNb201Cell, NB201_DEFINITION, parseNb201Cell } from './nb201.js';
export type { NniImportOptions, NniImportResult } from './nni.js';
export { importNni } from './nni.js';
