import type { JSX } from 'preact';
import type { JsonValue } from '../api/documents.js';
import { formatChoice, formatOp } from '../model/format.js';

interface CellEdge {
  readonly from: number;
  readonly to: number;
  readonly op: string;
}

interface CellArchitecture {
  readonly kind: 'cell';
  readonly nodes: number;
  readonly edges: readonly CellEdge[];
  readonly skeleton?: { readonly stemChannels: number; readonly channels: readonly number[]; readonly cellsPerStack: number };
}

interface LayerNode {
  readonly type: string;
  readonly skips?: number[];
  readonly [setting: string]: JsonValue | undefined;
}

interface LayersArchitecture {
  readonly kind: 'layers';
  readonly layers: readonly LayerNode[];
}

const OP_COLORS: Record<string, string> = {
  none: '#8a8a8a',
  skip_connect: '#1b6e3a',
  nor_conv_1x1: '#1f5fa8',
  nor_conv_3x3: '#6a3aa0',
  avg_pool_3x3: '#a4550f',
};
const FALLBACK_COLORS = ['#8c2d5a', '#2d6f7a', '#6b5b00', '#3d3d99'];

function opColor(op: string, ops: readonly string[]): string {
  return OP_COLORS[op] ?? FALLBACK_COLORS[ops.indexOf(op) % FALLBACK_COLORS.length] ?? '#333';
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The trial's architecture as a picture: a cell's DAG, or a layer stack. */
export function ArchitectureView({ architecture }: { architecture: JsonValue }): JSX.Element {
  if (isObject(architecture) && architecture.kind === 'cell') return <CellGraph cell={architecture as unknown as CellArchitecture} />;
  if (isObject(architecture) && architecture.kind === 'layers') return <LayerStack stack={architecture as unknown as LayersArchitecture} />;
  return <pre class="code">{JSON.stringify(architecture, null, 2)}</pre>;
}

/**
 * Nodes on a line, input left, output right; every edge carries its operation. Edges
 * between neighbours are straight; longer ones arc, alternately above and below by
 * span, so that NAS-Bench-201's six edges keep their labels apart.
 */
export function CellGraph({ cell }: { cell: CellArchitecture }): JSX.Element {
  const gap = 170;
  const margin = 40;
  const width = margin * 2 + gap * (cell.nodes - 1);
  const maxSpan = Math.max(1, ...cell.edges.map((e) => e.to - e.from));
  const lift = 48;
  const height = 2 * (50 + 1.25 * lift * Math.ceil(maxSpan / 2));
  const mid = height / 2;
  const x = (node: number): number => margin + node * gap;
  const ops = [...new Set(cell.edges.map((e) => e.op))];
  const description = cell.edges.map((e) => `node ${e.from} to node ${e.to}: ${formatOp(e.op)}`).join('; ');
  return (
    <figure class="architecture">
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" style={{ maxWidth: `${width}px` }} role="img" aria-label={`Cell with ${cell.nodes} nodes: ${description}`} data-testid="cell-graph">
        <defs>
          {ops.map((op) => (
            <marker key={op} id={`arrow-${op}`} viewBox="0 0 10 10" refX="10" refY="5" markerWidth="4.5" markerHeight="4.5" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" fill={opColor(op, ops)} />
            </marker>
          ))}
        </defs>
        {cell.edges.map((edge, i) => {
          const span = edge.to - edge.from;
          const x1 = x(edge.from) + 18;
          const x2 = x(edge.to) - 18;
          const side = span === 1 ? 0 : span % 2 === 0 ? -1 : 1;
          const bend = side * lift * Math.ceil(span / 2) * 1.25;
          const cx = (x1 + x2) / 2;
          // A quadratic curve peaks halfway to its control point: the control sits at twice the bend.
          const path = side === 0 ? `M${x1},${mid} L${x2},${mid}` : `M${x1},${mid} Q${cx},${mid + bend * 2} ${x2},${mid}`;
          const labelY = side === 0 ? mid - 8 : side < 0 ? mid + bend - 6 : mid + bend + 16;
          const color = opColor(edge.op, ops);
          return (
            <g key={i} class="cell-edge" data-op={edge.op} data-from={edge.from} data-to={edge.to}>
              <path d={path} fill="none" stroke={color} stroke-width={edge.op === 'none' ? 1.5 : 2.5} stroke-dasharray={edge.op === 'none' ? '5 4' : undefined} marker-end={`url(#arrow-${edge.op})`} />
              <text x={cx} y={labelY} text-anchor="middle" class="edge-label" fill={color}>
                {formatOp(edge.op)}
              </text>
            </g>
          );
        })}
        {Array.from({ length: cell.nodes }, (_, node) => (
          <g key={node} class="cell-node">
            <circle cx={x(node)} cy={mid} r="17" />
            <text x={x(node)} y={mid + 5} text-anchor="middle">
              {node === 0 ? 'in' : node === cell.nodes - 1 ? 'out' : String(node)}
            </text>
          </g>
        ))}
      </svg>
      <figcaption>
        Each node sums its incoming edges; an edge applies its operation to the node it leaves.
        {cell.skeleton === undefined
          ? ''
          : ` Stacked ${cell.skeleton.cellsPerStack}× per stage at ${cell.skeleton.channels.join(' / ')} channels after a ${cell.skeleton.stemChannels}-channel stem.`}
      </figcaption>
    </figure>
  );
}

const LAYER_COLORS: Record<string, string> = {
  conv2d: '#1f5fa8',
  depthwiseConv2d: '#2d6f7a',
  maxPool: '#a4550f',
  avgPool: '#8a5a00',
  dense: '#6a3aa0',
  dropout: '#8a8a8a',
  identity: '#1b6e3a',
};

/** One block per layer with its settings, and the earlier layers merged into it. */
export function LayerStack({ stack }: { stack: LayersArchitecture }): JSX.Element {
  return (
    <figure class="architecture">
      <ol class="layer-stack" data-testid="layer-stack" aria-label={`${stack.layers.length} layers`}>
        <li class="layer layer-io">input</li>
        {stack.layers.map((layer, i) => {
          const settings = Object.entries(layer).filter(([key]) => key !== 'type' && key !== 'skips');
          return (
            <li key={i} class="layer" style={{ borderLeftColor: LAYER_COLORS[layer.type] ?? '#444' }}>
              <span class="layer-index">{i}</span>
              <strong>{layer.type}</strong>
              {settings.map(([key, value]) => (
                <span key={key} class="chip">
                  {key} {formatChoice(value)}
                </span>
              ))}
              {layer.skips !== undefined && layer.skips.length > 0 ? <span class="chip chip-skip">+ skip from {layer.skips.join(', ')}</span> : null}
            </li>
          );
        })}
        <li class="layer layer-io">classifier</li>
      </ol>
    </figure>
  );
}
