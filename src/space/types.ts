/**
 * The contract between the search-space language and everything that consumes it
 * (strategies walk `Decision`s, evaluators build networks from `Architecture`s, the
 * service stores both). Field names here are stored in the database as JSONB, so
 * changing one is a migration, not a refactor.
 */

/** A value a decision can take. The controller only ever sees its index. */
export type ChoiceValue = string | number | boolean;

/**
 * One clause of a condition: the decision at `decision` (an index strictly lower than
 * the conditioned decision's own) must have taken one of the `oneOf` choice indices.
 * An inactive decision takes no choice, so a clause on it is false: conditions chain.
 */
export interface ConditionClause {
  readonly decision: number;
  readonly oneOf: readonly number[];
}

export interface Decision {
  /** Position in the decision list (equals its index in `CompiledSpace.decisions`). */
  readonly index: number;
  /** Stable dotted path, unique within the space, e.g. `layers.3.filters`. */
  readonly id: string;
  /** What it decides, for people, e.g. `filters`. */
  readonly name: string;
  readonly choices: readonly ChoiceValue[];
  /** All clauses must hold for the decision to apply; absent means always. */
  readonly condition?: readonly ConditionClause[];
}

/** The action recorded at a decision that does not apply. */
export const INACTIVE = -1;

/** An action sequence: one entry per decision, `INACTIVE` where a decision does not apply. */
export type Actions = readonly number[];

export type Activation = 'relu' | 'elu' | 'gelu' | 'swish' | 'tanh' | 'sigmoid';

export type LayerOp =
  | { readonly type: 'conv2d'; readonly filters: number; readonly kernelSize: number; readonly stride: number; readonly activation: Activation }
  | { readonly type: 'depthwiseConv2d'; readonly kernelSize: number; readonly stride: number; readonly depthMultiplier: number; readonly activation: Activation }
  | { readonly type: 'maxPool' | 'avgPool'; readonly poolSize: number; readonly stride: number }
  | { readonly type: 'dense'; readonly units: number; readonly activation: Activation }
  | { readonly type: 'dropout'; readonly rate: number }
  | { readonly type: 'identity' };

/**
 * Layer i takes the output of layer i-1 (the network input for i = 0) and, merged in,
 * the outputs of the earlier layers listed in `skips` (Zoph & Le's anchor points).
 */
export type LayerNode = LayerOp & { readonly skips: readonly number[] };

/** Training hyperparameters chosen by the search (absent ones fall back to the evaluator's config). */
export interface ArchitectureHyperparameters {
  readonly learningRate?: number;
  readonly batchSize?: number;
  readonly optimizer?: string;
  /**
   * Any other named hyperparameter the space searches (momentum, weight decay, an imported
   * NNI parameter, …), passed through to the evaluator; absent when the space has none.
   */
  readonly custom?: Readonly<Record<string, ChoiceValue>>;
}

export interface LayersArchitecture {
  readonly kind: 'layers';
  readonly layers: readonly LayerNode[];
  readonly hyperparameters: ArchitectureHyperparameters;
}

/** An edge of a cell DAG: node `to` receives `op(node from)`; a node sums its incoming edges. */
export interface CellEdge {
  readonly from: number;
  readonly to: number;
  readonly op: string;
}

/**
 * The fixed network a cell is stacked in: a stem conv, `channels.length` stacks of
 * `cellsPerStack` cells each, a residual reduction block between stacks, global average
 * pooling and a classifier (NAS-Bench-201: stem 16, channels [16, 32, 64], 5 cells).
 */
export interface CellSkeleton {
  readonly stemChannels: number;
  readonly channels: readonly number[];
  readonly cellsPerStack: number;
}

/**
 * The operations a cell edge may use (NAS-Bench-201's set): `none` is the zero op (the edge
 * contributes nothing), `skip_connect` the identity, `nor_conv_*` ReLU-conv-BN, and
 * `avg_pool_3x3` a stride-1 average pool. The model builder implements exactly these.
 */
export const CELL_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type CellOp = (typeof CELL_OPS)[number];

export interface CellArchitecture {
  readonly kind: 'cell';
  /** Node 0 is the cell input, node `nodes - 1` its output. */
  readonly nodes: number;
  readonly edges: readonly CellEdge[];
  readonly skeleton: CellSkeleton;
  readonly hyperparameters: ArchitectureHyperparameters;
}

/** Everything a model builder needs; input shape and class count come from the dataset. */
export type Architecture = LayersArchitecture | CellArchitecture;

export type SpaceKind = Architecture['kind'];
