/**
 * Proposals handed out and not yet observed: what a model-based strategy has to assume
 * about trials in flight when it is asked again before their rewards arrive
 * (`parallelTrials` > 1). TPE counts them as bad trials (Optuna's constant liar), MCTS
 * as visits with the worst reward seen (a virtual loss); either way a second proposal
 * moves away from the first instead of repeating it.
 *
 * Bounded, oldest forgotten first: the scheduler never observes some proposals at all (one
 * dropped because the same architecture is being evaluated right now, a trial that
 * failed), and such an entry must not weigh on every later proposal.
 */
import type { Actions } from '../space/types.js';
import { readArray, SnapshotError, type JsonObject } from './snapshot.js';

/** Far above any `parallelTrials` the service allows (256), so only the never-observed get dropped. */
export const IN_FLIGHT_LIMIT = 512;

/** One key per action sequence; equal sequences are one architecture to a strategy. */
export function actionsKey(actions: Actions): string {
  return actions.join(',');
}

export interface InFlightEntry {
  readonly actions: number[];
  /** What the strategy charged for it when proposing (e.g. the tree nodes of a virtual loss), to undo at settlement. */
  readonly charged: number[];
}

export class InFlight {
  /** Oldest first. */
  private list: InFlightEntry[] = [];
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit = IN_FLIGHT_LIMIT) {}

  get entries(): readonly InFlightEntry[] {
    return this.list;
  }

  has(key: string): boolean {
    return this.counts.has(key);
  }

  /** Records a proposal; returns the entry that fell out at the limit, whose charge the caller must undo. */
  add(entry: InFlightEntry): InFlightEntry | undefined {
    this.list.push(entry);
    this.count(entry.actions, 1);
    if (this.list.length <= this.limit) return undefined;
    const dropped = this.list.shift()!;
    this.count(dropped.actions, -1);
    return dropped;
  }

  /** Removes and returns the oldest entry for these actions, if any (an observation settles one proposal). */
  settle(actions: Actions): InFlightEntry | undefined {
    const key = actionsKey(actions);
    if (!this.counts.has(key)) return undefined;
    const i = this.list.findIndex((e) => actionsKey(e.actions) === key);
    const [entry] = this.list.splice(i, 1);
    this.count(entry!.actions, -1);
    return entry;
  }

  private count(actions: Actions, delta: number): void {
    const key = actionsKey(actions);
    const n = (this.counts.get(key) ?? 0) + delta;
    if (n === 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }

  toJSON(): readonly InFlightEntry[] {
    return this.list;
  }

  static read(obj: JsonObject, key: string, path = 'state'): InFlight {
    const out = new InFlight();
    readArray(obj, key, path).forEach((item, i) => {
      const where = `${path}.${key}[${i}]`;
      if (item === null || typeof item !== 'object') throw new SnapshotError(where, 'is not an object');
      const o = item as JsonObject;
      const actions = readArray(o, 'actions', where);
      if (!actions.every((a) => Number.isInteger(a))) throw new SnapshotError(`${where}.actions`, 'holds a non-integer');
      const charged = readArray(o, 'charged', where);
      if (!charged.every((c) => Number.isSafeInteger(c) && (c as number) >= 0)) throw new SnapshotError(`${where}.charged`, 'holds something other than a non-negative integer');
      out.add({ actions: actions as number[], charged: charged as number[] });
    });
    if (out.list.length !== readArray(obj, key, path).length) throw new SnapshotError(`${path}.${key}`, `holds more than ${out.limit} entries`);
    return out;
  }
}
