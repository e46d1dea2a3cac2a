/** The benches' latency summaries: nearest-rank percentiles. */

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
}

/** The value at quantile `q` of values sorted ascending; NaN when there are none. */
export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}
