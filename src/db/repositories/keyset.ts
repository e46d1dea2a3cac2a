import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor, type CursorKey, type Page, type PageRequest } from '../../core/storage/pagination.js';

/**
 * One column of a keyset ordering. `expression` is SQL over the query's alias; `key`
 * reads the same value from a row, for the cursor. All columns of one ordering share a
 * direction, so a row comparison `(a, b) > (:a, :b)` selects the rows after a cursor.
 */
export interface KeyColumn<T> {
  readonly expression: string;
  readonly key: (row: T) => string | number;
  /** SQL cast of the cursor value, e.g. `::timestamptz`. */
  readonly cast?: string;
}

/**
 * `count` answers the total where the caller knows it more cheaply than a COUNT over the
 * filtered rows (an experiment's trials: its maintained tally).
 */
export async function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  columns: readonly KeyColumn<T>[],
  direction: 'ASC' | 'DESC',
  page: PageRequest,
  count: () => Promise<number> = () => query.clone().getCount(),
): Promise<Page<T>> {
  const paged = query.clone();
  if (page.after !== null) {
    const key: CursorKey = decodeCursor(page.after, columns.length);
    const left = columns.map((c) => c.expression).join(', ');
    const right = columns.map((c, i) => `:k${i}${c.cast ?? ''}`).join(', ');
    paged.andWhere(`(${left}) ${direction === 'ASC' ? '>' : '<'} (${right})`, Object.fromEntries(key.map((v, i) => [`k${i}`, v])));
  }
  columns.forEach((c, i) => (i === 0 ? paged.orderBy(c.expression, direction) : paged.addOrderBy(c.expression, direction)));
  const [totalCount, rows] = await Promise.all([count(), paged.limit(page.first + 1).getMany()]);
  const hasNextPage = rows.length > page.first;
  const items = rows.slice(0, page.first).map((node) => ({ node, cursor: encodeCursor(columns.map((c) => c.key(node))) }));
  return { items, hasNextPage, hasPreviousPage: page.after !== null, totalCount };
}
