import { InvalidInputError } from '../errors.js';

/** Forward keyset pagination, the Relay way: `first` items after the opaque `after` cursor. */
export interface PageRequest {
  readonly first: number;
  readonly after: string | null;
}

export interface Page<T> {
  readonly items: readonly { readonly cursor: string; readonly node: T }[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly totalCount: number;
}

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

/**
 * A cursor is the sort key of the last row seen. Keyset rather than offset, so that a
 * dashboard paging through a live experiment neither skips nor repeats rows when trials
 * are inserted meanwhile.
 */
export type CursorKey = readonly (string | number)[];

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number, path = 'after'): CursorKey {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw InvalidInputError.field(path, 'is not a cursor returned by this list');
  }
  const ok =
    Array.isArray(key) &&
    key.length === arity &&
    key.every((part) => typeof part === 'string' || (typeof part === 'number' && !Number.isNaN(part)));
  if (!ok) throw InvalidInputError.field(path, 'is not a cursor returned by this list');
  return key as CursorKey;
}

export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw InvalidInputError.field('first', `must be an integer between 0 and ${MAX_PAGE_SIZE}`);
  }
  return { first: size, after: after ?? null };
}
