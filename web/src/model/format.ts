/** How numbers, durations and times read in the dashboard, in one place. */

export function formatReward(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Math.abs(value) >= 1000 ? value.toExponential(3) : value.toFixed(Math.abs(value) >= 100 ? 2 : 4);
}

/** 1234567 → 1.23M; for parameter and FLOP counts. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, unit] of units) if (Math.abs(value) >= size) return `${(value / size).toFixed(2)}${unit}`;
  return String(Math.round(value));
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A choice value as the architecture's own notation would print it. */
export function formatChoice(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** NAS-Bench-201's operation names, as people read them. */
export function formatOp(op: string): string {
  const known: Record<string, string> = {
    none: 'none',
    skip_connect: 'skip',
    nor_conv_1x1: 'conv 1×1',
    nor_conv_3x3: 'conv 3×3',
    avg_pool_3x3: 'avg pool 3×3',
  };
  return known[op] ?? op;
}

/** 15625 → 15,625; past 21 digits, as a power of ten. */
export function formatCardinality(decimal: string): string {
  if (decimal.length > 21) return `≈ ${decimal[0]}.${decimal.slice(1, 3)} × 10^${decimal.length - 1}`;
  return decimal.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
