import type { JSX } from 'preact';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import type { Decision, Direction, TrialPoint } from '../api/documents.js';
import { formatChoice, formatReward } from '../model/format.js';
import { marginalEffects } from '../model/marginals.js';

const AXIS_GAP = 96;
const HEIGHT = 280;
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
  const scored = useMemo(() => trials.filter((t) => t.reward !== null && t.duplicateOfId === null && (t.status === 'SUCCEEDED' || t.status === 'PRUNED')), [trials]);
  const width = PAD.left + PAD.right + AXIS_GAP * decisions.length;

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
    const axisX = (i: number): number => PAD.left + i * AXIS_GAP;
    // Choice c of k sits at (c + 0.5) / k up the axis; an inactive decision below the axis.
    const choiceY = (choice: number, k: number): number => (choice < 0 ? HEIGHT - PAD.bottom + 12 : PAD.top + plotHeight * (1 - (choice + 0.5) / k));
    const rewards = scored.map((t) => t.reward!);
    const lo = Math.min(...rewards);
    const hi = Math.max(...rewards);
    const span = hi - lo || 1;
    const norm = (r: number): number => (direction === 'MAXIMIZE' ? (r - lo) / span : (hi - r) / span);
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
    decisions.forEach((d, i) => {
      const x = axisX(i);
      ctx.beginPath();
      ctx.moveTo(x, PAD.top);
      ctx.lineTo(x, HEIGHT - PAD.bottom);
      ctx.stroke();
      ctx.fillText(d.name.length > 14 ? `${d.name.slice(0, 13)}…` : d.name, x, PAD.top - 12);
      ctx.textAlign = 'left';
      d.choices.forEach((c, ci) => {
        const label = formatChoice(c);
        ctx.fillText(label.length > 12 ? `${label.slice(0, 11)}…` : label, x + 4, choiceY(ci, d.choices.length) + 4);
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
      ctx.fillText(formatReward(direction === 'MAXIMIZE' ? lo : hi), rx + 4, HEIGHT - PAD.bottom + 4);
    }
  }, [decisions, scored, direction, width]);

  return (
    <div class="scroll-x">
      <canvas ref={canvas} style={{ width: `${width}px`, height: `${HEIGHT}px` }} role="img" aria-label={`Parallel coordinates of ${scored.length} evaluated trials over ${decisions.length} decisions and their reward`} data-testid="parallel-coordinates" />
    </div>
  );
}

/** Mean reward per choice of every decision, the decisions that matter most first. */
export function MarginalEffects({ decisions, trials, direction }: { decisions: readonly Decision[]; trials: readonly TrialPoint[]; direction: Direction }): JSX.Element {
  const effects = useMemo(() => marginalEffects(decisions, trials).sort((a, b) => b.spread - a.spread), [decisions, trials]);
  const means = effects.flatMap((e) => e.choices.flatMap((c) => (c.mean === null ? [] : [c.mean])));
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
    </div>
  );
}
