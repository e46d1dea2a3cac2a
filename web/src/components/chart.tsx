import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * uPlot on a canvas: it draws 10,000 points in a few milliseconds, so live charts redraw
 * in place (setData) instead of being rebuilt. The chart follows its container's width.
 * `options` is read when `shape` changes (the series set), `data` on every render.
 */
export function Chart(props: { options: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData; shape: string; height?: number; label: string }): JSX.Element {
  const host = useRef<HTMLElement>(null);
  const plot = useRef<uPlot | null>(null);
  const height = props.height ?? 260;

  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const chart = new uPlot({ ...props.options, width: Math.max(200, element.clientWidth), height }, props.data, element);
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- rebuilt only when the series change; data flows through setData below
  }, [props.shape, height]);

  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);

  return <figure class="chart" ref={host} aria-label={props.label} />;
}
