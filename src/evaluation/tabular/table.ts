/**
 * A metric table: one row per architecture, found by its key (a NAS-Bench-201 cell
 * string by default), holding numeric metric columns. Loaded once per file and key column
 * per process, because every trial of every experiment on the same table would otherwise
 * re-read and re-parse it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { GraphnasError } from '../../errors/index.js';
import { parseCsv } from './csv.js';

const gunzipAsync = promisify(gunzip);

/** A metric table that cannot be read or is inconsistent. */
export class TableError extends GraphnasError {
  constructor(
    readonly table: string,
    message: string,
  ) {
    super('BAD_USER_INPUT', `${table}: ${message}`);
  }
}

export class MetricTable {
  private readonly rowByKey = new Map<string, number>();
  private readonly numeric = new Map<string, Float64Array>();

  constructor(
    readonly path: string,
    readonly keyColumn: string,
    readonly columns: readonly string[],
    rows: readonly (readonly string[])[],
  ) {
    const keyIndex = columns.indexOf(keyColumn);
    if (keyIndex < 0) throw new TableError(path, `has no key column ${JSON.stringify(keyColumn)} (columns: ${columns.join(', ')})`);
    rows.forEach((row, r) => {
      // +2: one for the header, one for 1-based line numbers people see in an editor.
      if (row.length !== columns.length) throw new TableError(path, `line ${r + 2} has ${row.length} fields, the header has ${columns.length}`);
      const key = row[keyIndex]!.trim();
      if (this.rowByKey.has(key)) throw new TableError(path, `line ${r + 2}: key ${JSON.stringify(key)} appears twice`);
      this.rowByKey.set(key, r);
    });
    columns.forEach((name, c) => {
      if (c === keyIndex) return;
      const values = new Float64Array(rows.length);
      rows.forEach((row, r) => {
        const cell = row[c]!.trim();
        values[r] = cell === '' ? Number.NaN : Number(cell);
      });
      this.numeric.set(name, values);
    });
  }

  get size(): number {
    return this.rowByKey.size;
  }

  hasColumn(name: string): boolean {
    return this.numeric.has(name);
  }

  /** Row index of `key`, or undefined. */
  row(key: string): number | undefined {
    return this.rowByKey.get(key.trim());
  }

  /** NaN where the cell is empty or not a number. */
  value(row: number, column: string): number {
    const values = this.numeric.get(column);
    if (values === undefined) throw new TableError(this.path, `has no metric column ${JSON.stringify(column)}`);
    return values[row]!;
  }

  keys(): IterableIterator<string> {
    return this.rowByKey.keys();
  }
}

/** Plain or gzip CSV (recognised by its magic bytes, not its name), header row first. */
export async function readMetricTable(path: string, keyColumn: string): Promise<MetricTable> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new TableError(path, `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw new TableError(path, `is not valid gzip (${(error as Error).message})`);
    }
  }
  let rows: string[][];
  try {
    rows = parseCsv(bytes.toString('utf8'));
  } catch (error) {
    throw new TableError(path, (error as Error).message);
  }
  const [header, ...data] = rows;
  if (header === undefined) throw new TableError(path, 'is empty');
  const columns = header.map((h) => h.trim().replace(/^\uFEFF/, ''));
  return new MetricTable(path, keyColumn, columns, data);
}

const cache = new Map<string, Promise<MetricTable>>();

/** Shared per absolute path and key column for the life of the process; a failed load is not cached. */
export function loadMetricTable(path: string, keyColumn: string): Promise<MetricTable> {
  const absolute = resolve(path);
  const cacheKey = `${absolute}\u0000${keyColumn}`;
  let table = cache.get(cacheKey);
  if (table === undefined) {
    table = readMetricTable(absolute, keyColumn);
    cache.set(cacheKey, table);
    table.catch(() => cache.delete(cacheKey));
  }
  return table;
}
