import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Decision, Direction, TrialPoint } from '../api/documents.js';
import { formatChoice, formatReward } from '../model/format.js';
import { marginalEffects } from '../model/marginals.js';

const MIN_GAP = 96;
const HEIGHT = 280;
/** Decisions the effects table lists before "show all": a layers space has dozens. */
const FIRST_EFFECTS = 8;

/** `cell.edge.0.3` → `edge 0→3`; other ids as they are. */
function axisName(d: Decision): string {
  const edge = /^cell\.edge\.(\d+)\.(\d+)$/.exec(d.id);
  return edge === null ? d.id : `edge ${edge[1]}→${edge[2]}`;
}

/** The value at quantile q of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
}
const PAD = { top: 28, bottom: 36, left: 56, right: 72 };

/** Low rewards pale blue, high rewards deep orange: the lines that pay stand out. */
function rewardColor(t: number, alpha: number): string {
  const r = Math.round(70 + 150 * t);
  const g = Math.round(130 - 40 * t);
  const b = Math.round(200 - 180 * t);
  return `rgba(${r},${g},${b},${alpha})`;
}

/**
 * Parallel coordinates: one vertical axis per decision (its choices spread along it) and
 * a last one for the reward; each evaluated trial is a line through the choices it took.
 * Drawn on a canvas, since 10,000 SVG paths would make the page crawl; the table beside
 * it carries the same information for screen readers.
 */
export function ParallelCoordinates({ decisions, trials, direction }: { decisions: readonly Decision[]; trials: readonly TrialPoint[]; direction: Direction }): JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const host = useRef<HTMLDivElement>(null);
  const [available, setAvailable] = useState(800);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const resize = new ResizeObserver(() => setAvailable(element.clientWidth));
    resize.observe(element);
    return () => resize.disconnect();
  }, []);
  const scored = useMemo(() => trials.filter((t) => t.reward !== null && t.duplicateOfId === null && (t.status === 'SUCCEEDED' || t.status === 'PRUNED')), [trials]);
  const gap = Math.max(MIN_GAP, (available - PAD.left - PAD.right) / Math.max(1, decisions.length));
  const width = Math.round(PAD.left + PAD.right + gap * decisions.length);

  useEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (element === null || element === undefined || ctx === null || ctx === undefined) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = width * ratio;
    element.height = HEIGHT * ratio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const plotHeight = HEIGHT - PAD.top - PAD.bottom;
    const axisX = (i: number): number => PAD.left + i * gap;
    // Choice c of k sits at (c + 0.5) / k up the axis; an inactive decision below the axis.
    const choiceY = (choice: number, k: number): number => (choice < 0 ? HEIGHT - PAD.bottom + 12 : PAD.top + plotHeight * (1 - (choice + 0.5) / k));
    // The axis spans the 2nd to the 98th percentile, so that a few broken cells (NAS-Bench-201
    // has cells at 10 %) do not squash everyone else against the top; the rest are clamped.
    const rewards = scored.map((t) => t.reward!).sort((a, b) => a - b);
    const lo = rewards.length === 0 ? 0 : direction === 'MAXIMIZE' ? quantile(rewards, 0.02) : rewards[0]!;
    const hi = rewards.length === 0 ? 1 : direction === 'MAXIMIZE' ? rewards[rewards.length - 1]! : quantile(rewards, 0.98);
    const span = hi - lo || 1;
    const norm = (r: number): number => Math.min(1, Math.max(0, direction === 'MAXIMIZE' ? (r - lo) / span : (hi - r) / span));
    const alpha = Math.max(0.04, Math.min(0.6, 40 / Math.max(1, scored.length)));
    // Worst first, so the best lines are drawn on top.
    const order = [...scored].sort((a, b) => norm(a.reward!) - norm(b.reward!));
    ctx.lineWidth = 1;
    for (const trial of order) {
      const t = norm(trial.reward!);
      ctx.strokeStyle = rewardColor(t, t > 0.9 ? Math.max(alpha, 0.5) : alpha);
      ctx.beginPath();
      decisions.forEach((d, i) => {
        const y = choiceY(trial.actions[d.index] ?? -1, d.choices.length);
        if (i === 0) ctx.moveTo(axisX(i), y);
        else ctx.lineTo(axisX(i), y);
      });
      ctx.lineTo(axisX(decisions.length), PAD.top + plotHeight * (1 - t));
      ctx.stroke();
    }
    ctx.fillStyle = '#222';
    ctx.strokeStyle = '#555';
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.lineJoin = 'round';
    // Labels over the lines, each on a white halo so that it stays readable.
    const label = (text: string, x: number, y: number): void => {
      ctx.save();
      ctx.strokeStyle = 'rgba(255,255,255,0.9)';
      ctx.lineWidth = 4;
      ctx.strokeText(text, x, y);
      ctx.restore();
      ctx.fillText(text, x, y);
    };
    const room = Math.floor((gap - 8) / 7);
    decisions.forEach((d, i) => {
      const x = axisX(i);
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, HEIGHT - PAD.bottom);
      ctx.stroke();
      const name = axisName(d);
      label(name.length > room + 2 ? `${name.slice(0, room + 1)}…` : name, x, PAD.top - 12);
      ctx.textAlign = 'left';
      d.choices.forEach((c, ci) => {
        const text = formatChoice(c);
        label(text.length > room ? `${text.slice(0, room - 1)}…` : text, x + 4, choiceY(ci, d.choices.length) + 4);
      });
      ctx.textAlign = 'center';
    });
    const rx = axisX(decisions.length);
    ctx.beginPath();
    ctx.moveTo(rx, PAD.top);
    ctx.lineTo(rx, HEIGHT - PAD.bottom);
    ctx.stroke();
    ctx.fillText('reward', rx, PAD.top - 12);
    ctx.textAlign = 'left';
    if (scored.length > 0) {
      ctx.fillText(formatReward(direction === 'MAXIMIZE' ? hi : lo), rx + 4, PAD.top + 4);
      ctx.fillText(`${direction === 'MAXIMIZE' ? '≤ ' : '≥ '}${formatReward(direction === 'MAXIMIZE' ? lo : hi)}`, rx + 4, HEIGHT - PAD.bottom + 4);
    }
  }, [decisions, scored, direction, width, gap]);

  return (
    <div class="scroll-x" ref={host}>
      <canvas ref={canvas} style={{ width: `${width}px`, height: `${HEIGHT}px` }} role="img" aria-label={`Parallel coordinates of ${scored.length} evaluated trials over ${decisions.length} decisions and their reward`} data-testid="parallel-coordinates" />
    </div>
  );
}

/** Mean reward per choice of every decision, the decisions that matter most first. */
export function MarginalEffects({ decisions, trials, direction }: { decisions: readonly Decision[]; trials: readonly TrialPoint[]; direction: Direction }): JSX.Element {
  const all = useMemo(() => marginalEffects(decisions, trials).sort((a, b) => b.spread - a.spread), [decisions, trials]);
  const [showAll, setShowAll] = useState(false);
  const effects = showAll ? all : all.slice(0, FIRST_EFFECTS);
  const means = all.flatMap((e) => e.choices.flatMap((c) => (c.mean === null ? [] : [c.mean])));
  if (means.length === 0) return <p class="muted">No evaluated trial yet.</p>;
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  const scale = (m: number): number => (hi === lo ? 100 : 8 + (92 * (direction === 'MAXIMIZE' ? m - lo : hi - m)) / (hi - lo));
  return (
    <div class="scroll-x">
      <table class="effects">
        <caption class="sr-only">Mean reward of the evaluated trials by the choice each decision took</caption>
        <thead>
          <tr>
            <th scope="col">decision</th>
            <th scope="col">choice</th>
            <th scope="col">trials</th>
            <th scope="col">mean reward</th>
          </tr>
        </thead>
        {effects.map((effect) => {
          const best = effect.choices.reduce<number | null>((b, c) => (c.mean === null ? b : b === null || (direction === 'MAXIMIZE' ? c.mean > b : c.mean < b) ? c.mean : b), null);
          return (
            <tbody key={effect.decision.id}>
              {effect.choices.map((c, i) => (
                <tr key={c.choice} class={c.mean !== null && c.mean === best ? 'best-choice' : undefined}>
                  {i === 0 ? (
                    <th scope="rowgroup" rowSpan={effect.choices.length}>
                      {effect.decision.id}
                      <span class="muted small"> spread {formatReward(effect.spread)}</span>
                    </th>
                  ) : null}
                  <td>{formatChoice(effect.decision.choices[c.choice])}</td>
                  <td class="num">{c.trials}</td>
                  <td>
                    {c.mean === null ? (
                      <span class="muted">—</span>
                    ) : (
                      <span class="bar-cell">
                        <span class="bar" style={{ width: `${scale(c.mean)}%` }} />
                        <span class="num">{formatReward(c.mean)}</span>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          );
        })}
      </table>
      {all.length > FIRST_EFFECTS ? (
        <button type="button" class="link" onClick={() => setShowAll((s) => !s)}>
          {showAll ? `Show the ${FIRST_EFFECTS} that matter most` : `Show all ${all.length} decisions`}
        </button>
      ) : null}
    </div>
  );
}
