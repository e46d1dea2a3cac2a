/**
 * The search-space document in its normalised form: what `compileSpace` returns as
 * `definition` after validation. Every choice is an explicit list (a scalar in the input
 * becomes a one-element list, a range is expanded) and every default is filled in, so two
 * documents that mean the same space normalise to the same JSON.
 * The input form is looser; docs/search-space.md and docs/search-space.schema.json describe it.
 */
import type { Activation, CellOp, CellSkeleton, ChoiceValue } from './types.js';

export const DEFINITION_VERSION = 1;

export const LAYER_TYPES = ['conv2d', 'depthwiseConv2d', 'maxPool', 'avgPool', 'dense', 'dropout', 'identity'] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

export const ACTIVATIONS: readonly Activation[] = ['relu', 'elu', 'gelu', 'swish', 'tanh', 'sigmoid'];

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'adamax', 'adagrad', 'adadelta', 'rmsprop'] as const;

export type LayerParam = 'filters' | 'kernelSize' | 'stride' | 'depthMultiplier' | 'poolSize' | 'units' | 'rate' | 'activation';

/** How one numeric or enumerated setting is checked; `default` absent means the setting is required. */
export interface ValueRule {
  readonly kind: 'int' | 'number' | 'enum' | 'any';
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  /** `max` itself is not allowed (a dropout rate of 1 drops everything). */
  readonly maxExclusive?: boolean;
  readonly values?: readonly string[];
  readonly default?: ChoiceValue;
}

const activation: ValueRule = { kind: 'enum', values: ACTIVATIONS, default: 'relu' };
const kernelSize: ValueRule = { kind: 'int', min: 1, max: 15, default: 3 };
const convStride: ValueRule = { kind: 'int', min: 1, max: 8, default: 1 };

/** Per layer type, its settings in decision order. */
export const LAYER_PARAMS: Readonly<Record<LayerType, readonly (readonly [LayerParam, ValueRule])[]>> = {
  conv2d: [
    ['filters', { kind: 'int', min: 1, max: 4096 }],
    ['kernelSize', kernelSize],
    ['stride', convStride],
    ['activation', activation],
  ],
  depthwiseConv2d: [
    ['kernelSize', kernelSize],
    ['stride', convStride],
    ['depthMultiplier', { kind: 'int', min: 1, max: 16, default: 1 }],
    ['activation', activation],
  ],
  maxPool: [
    ['poolSize', { kind: 'int', min: 1, max: 8, default: 2 }],
    ['stride', { kind: 'int', min: 1, max: 8, default: 2 }],
  ],
  avgPool: [
    ['poolSize', { kind: 'int', min: 1, max: 8, default: 2 }],
    ['stride', { kind: 'int', min: 1, max: 8, default: 2 }],
  ],
  dense: [
    ['units', { kind: 'int', min: 1, max: 65536 }],
    ['activation', activation],
  ],
  dropout: [['rate', { kind: 'number', min: 0, max: 1, maxExclusive: true }]],
  identity: [],
};

/** The well-known training hyperparameters; any other name is a custom one. */
export const KNOWN_HYPERPARAMETERS: Readonly<Record<'learningRate' | 'batchSize' | 'optimizer', ValueRule>> = {
  learningRate: { kind: 'number', min: 0, minExclusive: true, max: 10 },
  batchSize: { kind: 'int', min: 1, max: 65536 },
  optimizer: { kind: 'enum', values: OPTIMIZERS },
};

export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export const NB201_SKELETON: CellSkeleton = { stemChannels: 16, channels: [16, 32, 64], cellsPerStack: 5 };

export type LayerTypeDefinition = { readonly type: LayerType } & { readonly [P in LayerParam]?: readonly ChoiceValue[] };

export interface LayerOverride {
  readonly types?: readonly LayerTypeDefinition[];
  /** Earlier layers that may feed this one, replacing `skips` for it. */
  readonly skipsFrom?: readonly number[];
}

export interface LayersDefinition {
  readonly count: readonly number[];
  /** Types every layer may take unless `perLayer` says otherwise; absent when `perLayer` covers every layer. */
  readonly types?: readonly LayerTypeDefinition[];
  /** `true`: layer i may be fed by any layer j <= i-2; `maxDistance` bounds i-j. */
  readonly skips: boolean | { readonly maxDistance: number };
  readonly perLayer: Readonly<Record<string, LayerOverride>>;
}

export interface CellDefinition {
  readonly nodes: number;
  readonly ops: readonly CellOp[];
  readonly skeleton: CellSkeleton;
}

/** A choice option; one with `params` opens a sub-space that exists only when it is chosen. */
export type HyperparameterOption = ChoiceValue | { readonly value: ChoiceValue; readonly params: HyperparametersDefinition };

export type HyperparametersDefinition = Readonly<Record<string, readonly HyperparameterOption[]>>;

export interface SpaceDefinition {
  readonly version: typeof DEFINITION_VERSION;
  readonly name?: string;
  readonly description?: string;
  readonly layers?: LayersDefinition;
  readonly cell?: CellDefinition;
  readonly hyperparameters?: HyperparametersDefinition;
}

export function optionValue(option: HyperparameterOption): ChoiceValue {
  return typeof option === 'object' ? option.value : option;
}

export function optionParams(option: HyperparameterOption): HyperparametersDefinition | undefined {
  return typeof option === 'object' ? option.params : undefined;
}
