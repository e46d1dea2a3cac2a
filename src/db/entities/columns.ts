import type { QueryDeepPartialEntity } from 'typeorm';

/** Millisecond precision: JS Dates hold no more, and cursors built from them must compare exactly. */
export const TIMESTAMP = { type: 'timestamptz', precision: 3 } as const;

/**
 * TypeORM's deep-partial type cannot see through JSON columns typed `unknown` or
 * `Record<string, unknown>`; the records are checked against the entities by `implements`,
 * so the write side only needs this narrowing.
 */
export function row<T>(value: object): QueryDeepPartialEntity<T> {
  return value as QueryDeepPartialEntity<T>;
}
