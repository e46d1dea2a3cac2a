import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { Direction, PolicyPoint, TrialPoint } from '../api/documents.js';
import type { CurveTrial } from '../model/experiment-live.js';
import { formatCount, formatReward } from '../model/format.js';
import { paretoFront } from '../model/pareto.js';
import { bestSoFar } from '../model/trial-set.js';
import { Chart } from './chart.js';

const BLUE = '#1f5fa8';
const ORANGE = '#b35900';
const GREY = '#9a9a9a';
const GREEN = '#1b6e3a';
const PALETTE = ['#1f5fa8', '#b35900', '#1b6e3a', '#8c2d5a', '#6a3aa0', '#2d6f7a', '#8a5a00', '#3d3d99', '#a4262c', '#4f6b00', '#5c4d8a', '#00695c'];

const dots = (color: string, size = 4): uPlot.Series.Points => ({ show: true, size, stroke: color, fill: color, width: 0 });
const noLine = (): null => null;
// uPlot merges options over its defaults key by key: an explicit undefined would erase a default.
const axis = (label: string, scale?: string, side?: 0 | 1 | 2 | 3): uPlot.Axis => ({
  label,
  ...(scale === undefined ? {} : { scale }),
  ...(side === undefined ? {} : { side }),
  stroke: '#333',
  grid: { stroke: '#e6e6e6', width: 1 },
  ticks: { stroke: '#ccc', width: 1 },
});

/** Every trial's reward by sequence, answered duplicates in grey, and the best so far as a step line. */
export function RewardChart({ trials, direction }: { trials: readonly TrialPoint[]; direction: Direction }): JSX.Element {
  const data = useMemo((): uPlot.AlignedData => {
    const curve = bestSoFar(trials, direction);
    const bestAt = new Map(curve.sequence.map((s, i) => [s, curve.best[i]!]));
    const xs: number[] = [];
    const evaluated: (number | null)[] = [];
    const duplicates: (number | null)[] = [];
    const best: (number | null)[] = [];
    let running: number | null = null;
    for (const t of trials) {
      xs.push(t.sequence);
      const scored = t.reward !== null && (t.status === 'SUCCEEDED' || t.status === 'PRUNED');
      evaluated.push(scored && t.duplicateOfId === null ? t.reward : null);
      duplicates.push(scored && t.duplicateOfId !== null ? t.reward : null);
      running = bestAt.get(t.sequence) ?? running;
      best.push(running);
    }
    return [xs, evaluated, duplicates, best];
  }, [trials, direction]);
  const last = data[3]?.at(-1);
  const options = useMemo(
    (): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: false } },
      axes: [axis('trial'), axis('reward')],
      legend: { live: false },
      cursor: { points: { show: false } },
      series: [
        { label: 'trial' },
        { label: 'reward', stroke: BLUE, paths: noLine, points: dots(BLUE, 4) },
        { label: 'duplicate', stroke: GREY, paths: noLine, points: dots(GREY, 3) },
        { label: 'best so far', stroke: ORANGE, width: 2, paths: uPlot.paths.stepped!({ align: 1 }), points: { show: false } },
      ],
    }),
    [],
  );
  return (
    <Chart
      shape="rewards"
      options={options}
      data={data}
      label={`Reward of ${trials.length} trials by sequence; best so far ${last === null || last === undefined ? 'none yet' : formatReward(last)}`}
    />
  );
}

/** The controller converging: mean reward and baseline per policy step, entropy on its own axis. */
export function PolicyChart({ policy }: { policy: readonly PolicyPoint[] }): JSX.Element {
  const data = useMemo(
    (): uPlot.AlignedData => [policy.map((p) => p.step), policy.map((p) => p.meanReward), policy.map((p) => p.baseline), policy.map((p) => p.entropy)],
    [policy],
  );
  const options = useMemo(
    (): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: false }, entropy: { auto: true } },
      axes: [axis('policy step'), axis('reward'), axis('entropy', 'entropy', 1)],
      series: [
        { label: 'step' },
        { label: 'mean reward', stroke: BLUE, width: 2 },
        { label: 'baseline', stroke: ORANGE, width: 2, dash: [6, 4] },
        { label: 'entropy', stroke: GREEN, width: 1.5, scale: 'entropy' },
      ],
    }),
    [],
  );
  const last = policy.at(-1);
  return (
    <Chart
      shape="policy"
      options={options}
      data={data}
      height={220}
      label={last === undefined ? 'No policy updates yet' : `Policy step ${last.step}: mean reward ${formatReward(last.meanReward)}, baseline ${formatReward(last.baseline)}, entropy ${formatReward(last.entropy)}`}
    />
  );
}

/** The newest trials' learning curves for one metric; a metric menu when several are reported. */
export function CurvesChart({ curves }: { curves: readonly CurveTrial[] }): JSX.Element {
  const names = useMemo(() => [...new Set(curves.flatMap((c) => [...c.points.keys()]))].sort(), [curves]);
  const [chosen, setChosen] = useState<string | null>(null);
  const metric = chosen !== null && names.includes(chosen) ? chosen : (names.find((n) => n === 'val_accuracy') ?? names[0] ?? null);
  const shown = useMemo(() => [...curves].sort((a, b) => a.sequence - b.sequence), [curves]);
  const data = useMemo((): uPlot.AlignedData => {
    if (metric === null) return [[]];
    const steps = [...new Set(shown.flatMap((c) => [...(c.points.get(metric)?.keys() ?? [])]))].sort((a, b) => a - b);
    return [steps, ...shown.map((c) => steps.map((s) => c.points.get(metric)?.get(s) ?? null))];
  }, [shown, metric]);
  const shape = `curves:${metric}:${shown.map((c) => c.id).join(',')}`;
  const options = useMemo(
    (): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: false } },
      // Steps are epochs: whole numbers.
      axes: [{ ...axis('step'), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, axis(metric ?? '')],
      series: [
        { label: 'step' },
        ...shown.map((c, i) => ({ label: `#${c.sequence}${c.status === 'RUNNING' ? ' (running)' : ''}`, stroke: PALETTE[i % PALETTE.length], width: c.status === 'RUNNING' ? 2.5 : 1.5, spanGaps: true })),
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` names everything the options depend on
    [shape],
  );
  if (metric === null) return <p class="muted">No learning curves: this experiment's evaluator reports final metrics only (the tabular evaluator does), or no trial has reported a step yet.</p>;
  return (
    <div>
      {names.length > 1 ? (
        <label class="inline-field">
          Metric{' '}
          <select value={metric} onChange={(e) => setChosen(e.currentTarget.value)}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <Chart shape={shape} options={options} data={data} height={240} label={`${metric} by step for the ${shown.length} newest trials`} />
    </div>
  );
}

type CostKey = 'params' | 'flops' | 'latencyMs';
const COSTS: readonly { key: CostKey; label: string; limit: 'maxParams' | 'maxFlops' | 'maxLatencyMs' }[] = [
  { key: 'params', label: 'parameters', limit: 'maxParams' },
  { key: 'flops', label: 'FLOPs', limit: 'maxFlops' },
  { key: 'latencyMs', label: 'latency (ms)', limit: 'maxLatencyMs' },
];

/** Reward against a cost with the Pareto front; the constraint's limit as a vertical line when one is set. */
export function ParetoChart(props: {
  trials: readonly TrialPoint[];
  direction: Direction;
  constraints: { readonly maxParams: number | null; readonly maxFlops: number | null; readonly maxLatencyMs: number | null };
}): JSX.Element {
  const available = COSTS.filter((c) => props.trials.some((t) => t[c.key] !== null && t.reward !== null));
  const constrained = available.find((c) => props.constraints[c.limit] !== null);
  const [chosen, setChosen] = useState<CostKey | null>(null);
  const cost = available.find((c) => c.key === chosen) ?? constrained ?? available[0];
  const data = useMemo((): uPlot.AlignedData => {
    if (cost === undefined) return [[]];
    const points = props.trials
      .filter((t) => t[cost.key] !== null && t.reward !== null && t.duplicateOfId === null && t.status === 'SUCCEEDED')
      .map((t) => ({ cost: t[cost.key]!, reward: t.reward! }))
      .sort((a, b) => a.cost - b.cost);
    const onFront = new Set(paretoFront(points, props.direction));
    return [points.map((p) => p.cost), points.map((p) => p.reward), points.map((p, i) => (onFront.has(i) ? p.reward : null))];
  }, [props.trials, props.direction, cost]);
  const limit = cost === undefined ? null : props.constraints[cost.limit];
  // Costs span orders of magnitude (a 20k- and a 2M-parameter network): a log axis where it can be one.
  const logScale = data[0].length > 0 && (data[0] as number[])[0]! > 0;
  const options = useMemo(
    (): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: logScale ? { time: false, distr: 3 } : { time: false } },
      // On the log axis only the powers of ten are labelled; the ticks between stay bare.
      axes: [{ ...axis(cost?.label ?? ''), values: (_u, values) => values.map((v) => (v === null || (logScale && !Number.isInteger(Math.log10(v))) ? '' : formatCount(v))) }, axis('reward')],
      cursor: { points: { show: false } },
      series: [
        { label: cost?.label ?? '' },
        { label: 'trial', stroke: BLUE, paths: noLine, points: dots(BLUE, 4) },
        { label: 'Pareto front', stroke: ORANGE, width: 2, spanGaps: true, paths: uPlot.paths.stepped!({ align: 1 }), points: dots(ORANGE, 6) },
      ],
      hooks:
        limit === null
          ? {}
          : {
              draw: [
                (u: uPlot) => {
                  const x = u.valToPos(limit, 'x', true);
                  const ctx = u.ctx;
                  ctx.save();
                  ctx.strokeStyle = '#a4262c';
                  ctx.setLineDash([6, 4]);
                  ctx.lineWidth = 2;
                  ctx.beginPath();
                  ctx.moveTo(x, u.bbox.top);
                  ctx.lineTo(x, u.bbox.top + u.bbox.height);
                  ctx.stroke();
                  ctx.restore();
                },
              ],
            },
    }),
    [cost, limit, logScale],
  );
  if (cost === undefined) return <p class="muted">No trial reports parameters, FLOPs or latency yet (the tfjs-trainer evaluator does; a tabular table only if it has those columns).</p>;
  return (
    <div>
      <label class="inline-field">
        Cost{' '}
        <select value={cost.key} onChange={(e) => setChosen(e.currentTarget.value as CostKey)}>
          {available.map((c) => (
            <option key={c.key} value={c.key}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      {limit === null ? null : <span class="muted"> constraint: at most {formatCount(limit)} (dashed line)</span>}
      <Chart shape={`pareto:${cost.key}:${String(limit)}:${String(logScale)}`} options={options} data={data} height={240} label={`Reward against ${cost.label} with the Pareto front`} />
    </div>
  );
}

/** One line of the finalists' curves: a replicate, coloured by its finalist. */
export interface FinalistCurve {
  readonly id: string;
  /** 1 for the best proxy reward: the finalist's colour. */
  readonly rank: number;
  readonly label: string;
  readonly running: boolean;
  readonly inherited: boolean;
  readonly points: ReadonlyMap<number, number>;
}

/** The finalists' learning curves, live: a colour per finalist, a line per seed (dashed where it inherited the proxy's weights). */
export function FinalistCurvesChart({ curves, metric }: { curves: readonly FinalistCurve[]; metric: string }): JSX.Element {
  const data = useMemo((): uPlot.AlignedData => {
    const steps = [...new Set(curves.flatMap((c) => [...c.points.keys()]))].sort((a, b) => a - b);
    return [steps, ...curves.map((c) => steps.map((s) => c.points.get(s) ?? null))];
  }, [curves]);
  const shape = `final-curves:${curves.map((c) => `${c.id}${c.running ? '*' : ''}`).join(',')}`;
  const options = useMemo(
    (): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: false } },
      axes: [{ ...axis('epoch'), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500] }, axis(metric)],
      series: [
        { label: 'epoch' },
        ...curves.map((c) => ({
          label: `${c.label}${c.running ? ' (running)' : ''}`,
          stroke: PALETTE[(c.rank - 1) % PALETTE.length],
          width: c.running ? 2.5 : 1.5,
          spanGaps: true,
          ...(c.inherited ? { dash: [6, 4] } : {}),
        })),
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` names everything the options depend on
    [shape, metric],
  );
  const points = curves.reduce((n, c) => n + c.points.size, 0);
  return <Chart shape={`${shape}:${metric}`} options={options} data={data} height={260} label={`${metric} by epoch for ${curves.length} finalist trainings, ${points} points so far`} />;
}
