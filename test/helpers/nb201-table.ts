import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ROOT } from './fixtures.js';

/** The shipped NAS-Bench-201 table, read independently of the evaluator under test. */
export function nb201Table(): Map<string, Record<string, number>> {
  const text = gunzipSync(readFileSync(join(ROOT, 'resources', 'nb201', 'nb201-12epoch.csv.gz'))).toString('utf8');
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  const table = new Map<string, Record<string, number>>();
  for (const line of lines) {
    const cells = line.split(',');
    const row: Record<string, number> = {};
    columns.forEach((c, i) => {
      if (c !== 'cellstr') row[c] = Number(cells[i]);
    });
    table.set(cells[columns.indexOf('cellstr')]!, row);
  }
  return table;
}
