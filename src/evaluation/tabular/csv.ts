/**
 * RFC 4180 CSV: comma-separated, `"`-quoted fields may hold commas, newlines and doubled
 * quotes. Benchmark tables are machine-written, but a user's own table may quote its
 * architecture strings, so quoting is handled rather than splitting on commas.
 */
import { GraphnasError } from '../../errors/index.js';

export class CsvSyntaxError extends GraphnasError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

/** Rows of fields; blank lines are skipped; a trailing newline is optional. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  const endRow = (): void => {
    if (fieldStarted || row.length > 0 || field !== '') row.push(field);
    if (row.length > 0) rows.push(row);
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
    } else if (ch === '"') {
      if (field !== '') throw new CsvSyntaxError(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
      fieldStarted = true;
    } else if (ch === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
    } else {
      field += ch;
    }
  }
  if (quoted) throw new CsvSyntaxError(`line ${line}: unterminated quoted field`);
  endRow();
  return rows;
}
