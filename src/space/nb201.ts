/**
 * NAS-Bench-201's cell strings, `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`: one `+`-separated
 * group per node j >= 1, listing `op~i` for its incoming edges from i = 0 … j-1. The
 * functions accept any node count, so other cell spaces print the same way.
 */
import { edgePairs } from './cell.js';
import type { SpaceDefinition } from './definition.js';
import { DEFINITION_VERSION, NB201_SKELETON } from './definition.js';
import type { ArchitectureHyperparameters, CellArchitecture, CellEdge, CellSkeleton } from './types.js';
import { CELL_OPS } from './types.js';

/** The NAS-Bench-201 search space: 4 nodes, 6 edges, 5 ops, 15,625 cells. */
export const NB201_DEFINITION: SpaceDefinition = Object.freeze({
  version: DEFINITION_VERSION,
  name: 'NAS-Bench-201 cell',
  cell: { nodes: 4, ops: [...CELL_OPS], skeleton: NB201_SKELETON },
});

export interface ParsedCell {
  readonly nodes: number;
  readonly edges: CellEdge[];
}

/** The benchmark string of a cell; throws if an edge is missing or repeated. */
export function formatNb201Cell(cell: { readonly nodes: number; readonly edges: readonly CellEdge[] }): string {
  const ops = new Map<string, string>();
  for (const e of cell.edges) {
    const key = `${e.from},${e.to}`;
    if (ops.has(key)) throw new RangeError(`edge ${e.from}→${e.to} appears twice`);
    ops.set(key, e.op);
  }
  const groups: string[] = [];
  for (let to = 1; to < cell.nodes; to++) {
    const entries: string[] = [];
    for (let from = 0; from < to; from++) {
      const op = ops.get(`${from},${to}`);
      if (op === undefined) throw new RangeError(`edge ${from}→${to} is missing`);
      entries.push(`${op}~${from}`);
    }
    groups.push(`|${entries.join('|')}|`);
  }
  if (ops.size !== edgePairs(cell.nodes).length) throw new RangeError(`a ${cell.nodes}-node cell has ${edgePairs(cell.nodes).length} edges`);
  return groups.join('+');
}

const ENTRY = /^([A-Za-z0-9_]+)~(0|[1-9][0-9]*)$/;

/**
 * Parses a benchmark string strictly (edges in the benchmark's order, nothing extra), so
 * that `formatNb201Cell(parseNb201Cell(s)) === s`. Throws a SyntaxError saying what is wrong.
 * Op names are not checked here; encoding into a space checks them against its ops.
 */
export function parseNb201Cell(text: string): ParsedCell {
  if (typeof text !== 'string' || text.length > 10_000) throw new SyntaxError('a cell string must be a string of reasonable length');
  const groups = text.split('+');
  const edges: CellEdge[] = [];
  groups.forEach((group, g) => {
    const to = g + 1;
    if (group.length < 2 || !group.startsWith('|') || !group.endsWith('|')) {
      throw new SyntaxError(`node ${to}: a group must look like |op~0|…| (got "${group}")`);
    }
    const entries = group.slice(1, -1).split('|');
    if (entries.length !== to) throw new SyntaxError(`node ${to}: expected ${to} incoming edges, got ${entries.length}`);
    entries.forEach((entry, from) => {
      const m = ENTRY.exec(entry);
      if (m === null) throw new SyntaxError(`node ${to}: "${entry}" is not op~index`);
      if (Number(m[2]) !== from) throw new SyntaxError(`node ${to}: edge ${from} must read ~${from} (got "${entry}")`);
      edges.push({ from, to, op: m[1] });
    });
  });
  return { nodes: groups.length + 1, edges };
}

/** A cell architecture from a benchmark string, in a given skeleton (NB201's by default). */
export function cellArchitectureFromString(text: string, skeleton: CellSkeleton = NB201_SKELETON, hyperparameters: ArchitectureHyperparameters = {}): CellArchitecture {
  const { nodes, edges } = parseNb201Cell(text);
  return { kind: 'cell', nodes, edges, skeleton, hyperparameters };
}
