/**
 * The cell shape: a DAG on `nodes` nodes with an edge for every pair i < j, each edge
 * choosing an operation. Edges are ordered by target, then source (1←0; 2←0, 2←1; …),
 * which is NAS-Bench-201's order, so decision k is the k-th entry of the benchmark string.
 */
import type { CellDefinition } from './definition.js';
import { NB201_SKELETON } from './definition.js';
import type { DecisionList } from './decision-list.js';
import { isPlainObject, pointer } from './limits.js';
import type { Actions, CellEdge, CellOp, CellSkeleton } from './types.js';
import { CELL_OPS } from './types.js';
import type { ValidationContext } from './values.js';
import { describe, readValues } from './values.js';

function readInt(raw: unknown, path: string, min: number, max: number, ctx: ValidationContext): number | undefined {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    ctx.issues.add(path, `must be an integer from ${min} to ${max} (got ${describe(raw)})`);
    return undefined;
  }
  return raw;
}

function readSkeleton(raw: unknown, path: string, ctx: ValidationContext): CellSkeleton | undefined {
  if (raw === undefined) return NB201_SKELETON;
  if (!isPlainObject(raw)) {
    ctx.issues.add(path, `must be an object with stemChannels, channels, cellsPerStack (got ${describe(raw)})`);
    return undefined;
  }
  const before = ctx.issues.count;
  for (const key of Object.keys(raw)) {
    if (!['stemChannels', 'channels', 'cellsPerStack'].includes(key)) ctx.issues.add(pointer(path, key), 'is not a skeleton setting (use stemChannels, channels, cellsPerStack)');
  }
  const stem = raw.stemChannels === undefined ? NB201_SKELETON.stemChannels : readInt(raw.stemChannels, pointer(path, 'stemChannels'), 1, 4096, ctx);
  const cellsPerStack = raw.cellsPerStack === undefined ? NB201_SKELETON.cellsPerStack : readInt(raw.cellsPerStack, pointer(path, 'cellsPerStack'), 1, 32, ctx);
  let channels: number[] | undefined = [...NB201_SKELETON.channels];
  if (raw.channels !== undefined) {
    const at = pointer(path, 'channels');
    if (!Array.isArray(raw.channels) || raw.channels.length === 0 || raw.channels.length > 8) {
      ctx.issues.add(at, 'must list the channels of 1 to 8 stacks');
      channels = undefined;
    } else {
      channels = raw.channels.map((c: unknown, i) => readInt(c, pointer(at, i), 1, 4096, ctx) ?? 0);
    }
  }
  if (ctx.issues.count !== before || stem === undefined || cellsPerStack === undefined || channels === undefined) return undefined;
  return { stemChannels: stem, channels, cellsPerStack };
}

export function validateCell(raw: unknown, path: string, ctx: ValidationContext): CellDefinition | undefined {
  const { issues, limits } = ctx;
  if (!isPlainObject(raw)) {
    issues.add(path, `must be an object with nodes and ops (got ${describe(raw)})`);
    return undefined;
  }
  const before = issues.count;
  for (const key of Object.keys(raw)) {
    if (!['nodes', 'ops', 'skeleton'].includes(key)) issues.add(pointer(path, key), 'is not a cell setting (use nodes, ops, skeleton)');
  }
  let nodes: number | undefined;
  if (raw.nodes === undefined) issues.add(path, 'needs nodes: the number of nodes of the cell DAG, input and output included');
  else nodes = readInt(raw.nodes, pointer(path, 'nodes'), 2, limits.maxCellNodes, ctx);
  let ops: CellOp[] | undefined;
  if (raw.ops === undefined) issues.add(path, `needs ops: the operations an edge may take, from ${CELL_OPS.join(', ')}`);
  else ops = readValues(raw.ops, pointer(path, 'ops'), { kind: 'enum', values: CELL_OPS }, ctx) as CellOp[] | undefined;
  const skeleton = readSkeleton(raw.skeleton, pointer(path, 'skeleton'), ctx);
  if (issues.count !== before || nodes === undefined || ops === undefined || skeleton === undefined) return undefined;
  return { nodes, ops, skeleton };
}

export interface CellPlan {
  readonly nodes: number;
  readonly ops: readonly CellOp[];
  readonly skeleton: CellSkeleton;
  readonly edges: readonly { readonly from: number; readonly to: number; readonly decision?: number }[];
}

export function edgePairs(nodes: number): { from: number; to: number }[] {
  const pairs: { from: number; to: number }[] = [];
  for (let to = 1; to < nodes; to++) for (let from = 0; from < to; from++) pairs.push({ from, to });
  return pairs;
}

export function compileCell(def: CellDefinition, list: DecisionList): CellPlan {
  const edges = edgePairs(def.nodes).map(({ from, to }) => {
    const decision = list.choose(`cell.edge.${from}.${to}`, 'op', def.ops, undefined, '/cell/ops');
    return decision === undefined ? { from, to } : { from, to, decision };
  });
  return { nodes: def.nodes, ops: def.ops, skeleton: def.skeleton, edges };
}

export function cellCardinality(plan: CellPlan): bigint {
  return BigInt(plan.ops.length) ** BigInt(plan.edges.length);
}

export function decodeCell(plan: CellPlan, actions: Actions): CellEdge[] {
  return plan.edges.map(({ from, to, decision }) => ({ from, to, op: plan.ops[decision === undefined ? 0 : actions[decision]] }));
}

export function encodeCell(plan: CellPlan, nodes: number, edges: readonly CellEdge[], actions: number[]): string | undefined {
  if (nodes !== plan.nodes) return `the cell has ${String(nodes)} nodes; this space's has ${plan.nodes}`;
  if (!Array.isArray(edges) || edges.length !== plan.edges.length) return `a ${plan.nodes}-node cell has ${plan.edges.length} edges`;
  for (const edge of plan.edges) {
    const given = edges.filter((e) => e.from === edge.from && e.to === edge.to);
    if (given.length !== 1) return `edge ${edge.from}→${edge.to} must appear exactly once`;
    const k = plan.ops.indexOf(given[0].op as CellOp);
    if (k < 0) return `edge ${edge.from}→${edge.to}: op ${String(given[0].op)} is not one of ${plan.ops.join(', ')}`;
    if (edge.decision !== undefined) actions[edge.decision] = k;
  }
  return undefined;
}

function sameSkeleton(a: CellSkeleton, b: CellSkeleton): boolean {
  return a.stemChannels === b.stemChannels && a.cellsPerStack === b.cellsPerStack && a.channels.length === b.channels.length && a.channels.every((c, i) => c === b.channels[i]);
}

export function checkSkeleton(plan: CellPlan, skeleton: CellSkeleton | undefined): string | undefined {
  return skeleton !== undefined && isPlainObject(skeleton) && Array.isArray(skeleton.channels) && sameSkeleton(plan.skeleton, skeleton)
    ? undefined
    : "the cell's skeleton differs from this space's";
}
