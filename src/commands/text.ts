/** How the CLI's commands lay out text for people (`--json` is for scripts). */

/** `4.2s`, `37s`, `6m12s`, `2h05m`. */
export function seconds(value: number): string {
  if (value >= 3600) return `${Math.floor(value / 3600)}h${String(Math.floor((value % 3600) / 60)).padStart(2, '0')}m`;
  return value >= 90 ? `${Math.floor(value / 60)}m${Math.round(value % 60)}s` : `${value.toFixed(value < 10 ? 1 : 0)}s`;
}

/** Columns padded to their widest cell; `right` names the columns aligned right (numbers). */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) => r.map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd())
    .join('\n');
}

export function reward(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(3);
}

export function when(iso: string | null): string {
  return iso === null ? '—' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
