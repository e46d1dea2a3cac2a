/**
 * Reading snapshots back. A snapshot comes from the database (or a user's file), so it is
 * parsed defensively: every field is checked and a bad one names itself in the error,
 * instead of surfacing later as NaN weights or a wrong action.
 */
import type { StrategySnapshot } from './strategy.js';
import { GraphnasError } from '../errors/index.js';
import { Random, type RandomState } from '../random/index.js';

/** A stored strategy state that does not read back: corrupt or foreign, never the user's input. */
export class SnapshotError extends GraphnasError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('INTERNAL', `snapshot ${path}: ${message}`, { issues: [{ path, message }] });
  }
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function snapshotState(snapshot: StrategySnapshot, type: string, version: number, signature: string): JsonObject {
  if (snapshot === null || typeof snapshot !== 'object') throw new SnapshotError('', 'is not an object');
  if (snapshot.type !== type) throw new SnapshotError('type', `is ${JSON.stringify(snapshot.type)}, this strategy is ${JSON.stringify(type)}`);
  if (snapshot.version !== version) throw new SnapshotError('version', `is ${String(snapshot.version)}, this build reads version ${version}`);
  const state = snapshot.state;
  if (state === null || typeof state !== 'object' || Array.isArray(state)) throw new SnapshotError('state', 'is not an object');
  const obj = state as JsonObject;
  if (obj.signature !== signature) throw new SnapshotError('state.signature', 'was taken on a different decision list');
  return obj;
}

export function readObject(obj: JsonObject, key: string, path = 'state'): JsonObject {
  const v = obj[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SnapshotError(`${path}.${key}`, 'is not an object');
  return v as JsonObject;
}

export function readNumber(obj: JsonObject, key: string, path = 'state'): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SnapshotError(`${path}.${key}`, 'is not a finite number');
  return v;
}

export function readNullableNumber(obj: JsonObject, key: string, path = 'state'): number | null {
  return obj[key] === null ? null : readNumber(obj, key, path);
}

export function readInteger(obj: JsonObject, key: string, path = 'state'): number {
  const v = readNumber(obj, key, path);
  if (!Number.isSafeInteger(v) || v < 0) throw new SnapshotError(`${path}.${key}`, 'is not a non-negative integer');
  return v;
}

export function readArray(obj: JsonObject, key: string, path = 'state'): readonly unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) throw new SnapshotError(`${path}.${key}`, 'is not an array');
  return v;
}

export function readRandom(obj: JsonObject, key: string, path = 'state'): Random {
  try {
    return Random.fromState(obj[key] as RandomState);
  } catch (error) {
    throw new SnapshotError(`${path}.${key}`, (error as Error).message);
  }
}

/** Actions and rewards as stored in a snapshot (population members, pending observations). */
export interface StoredObservation {
  readonly actions: number[];
  readonly reward: number;
  readonly policyVersion: number;
}

export function readObservations(obj: JsonObject, key: string, path = 'state'): StoredObservation[] {
  return readArray(obj, key, path).map((item, i) => {
    const where = `${path}.${key}[${i}]`;
    if (item === null || typeof item !== 'object') throw new SnapshotError(where, 'is not an object');
    const o = item as JsonObject;
    const actions = readArray(o, 'actions', where);
    if (!actions.every((a) => Number.isInteger(a))) throw new SnapshotError(`${where}.actions`, 'holds a non-integer');
    return { actions: actions as number[], reward: readNumber(o, 'reward', where), policyVersion: readInteger(o, 'policyVersion', where) };
  });
}

/** A list of action sequences (integers only; the caller checks them against its decisions). */
export function readActionSequences(obj: JsonObject, key: string, path = 'state'): number[][] {
  return readArray(obj, key, path).map((item, i) => {
    if (!Array.isArray(item) || !item.every((a) => Number.isInteger(a))) throw new SnapshotError(`${path}.${key}[${i}]`, 'is not an action sequence');
    return item as number[];
  });
}
