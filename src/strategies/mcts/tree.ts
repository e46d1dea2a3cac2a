/**
 * The search tree of MCTS over a decision list. A node is a prefix of decisions; its
 * children are the choices of the next decision that applies given that prefix (decisions
 * that do not apply are skipped, so a condition never makes a child that cannot exist).
 * A node with no decision left is a complete architecture.
 *
 * Statistics per node: real visits and the sum of their rewards, visits in flight (each
 * counted as the worst reward seen until it is observed: a virtual loss), and whether
 * everything below it has been evaluated or is in flight ("exhausted": never selected
 * again, so the tree does not propose an architecture twice).
 *
 * Stored as columns of plain numbers so a checkpoint is compact JSON and restores exactly.
 */
import type { Actions, Decision } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';
import { isActive } from '../actions.js';
import { readArray, SnapshotError, type JsonObject } from '../snapshot.js';

/** `decision` of a node with nothing left to decide. */
export const COMPLETE = -1;

export interface TreeColumns {
  readonly parent: number[];
  readonly choice: number[];
  readonly decision: number[];
  readonly visits: number[];
  readonly total: number[];
  readonly virtual: number[];
  readonly exhausted: number[];
}

export class SearchTree {
  private readonly columns: TreeColumns;
  /** children[node][choice]: a node id, or −1 where that child was never expanded. */
  private readonly children: Int32Array[] = [];

  constructor(
    private readonly decisions: readonly Decision[],
    columns?: TreeColumns,
  ) {
    if (columns === undefined) {
      this.columns = { parent: [], choice: [], decision: [], visits: [], total: [], virtual: [], exhausted: [] };
      this.push(-1, -1, this.nextDecision([]));
    } else {
      this.columns = columns;
      for (let id = 0; id < columns.parent.length; id++) this.link(id);
    }
  }

  get size(): number {
    return this.columns.parent.length;
  }

  decisionOf(node: number): number {
    return this.columns.decision[node]!;
  }

  visits(node: number): number {
    return this.columns.visits[node]!;
  }

  /** Real and in-flight visits. */
  load(node: number): number {
    return this.columns.visits[node]! + this.columns.virtual[node]!;
  }

  /** Mean reward with in-flight visits counted at `liar`; undefined for a node never visited. */
  mean(node: number, liar: number): number | undefined {
    const n = this.load(node);
    return n === 0 ? undefined : (this.columns.total[node]! + this.columns.virtual[node]! * liar) / n;
  }

  isExhausted(node: number): boolean {
    return this.columns.exhausted[node] === 1;
  }

  child(node: number, choice: number): number {
    return this.children[node]![choice]!;
  }

  /**
   * Appends INACTIVE for every decision from `actions.length` on that does not apply;
   * returns the index of the next one that does, or COMPLETE.
   */
  nextDecision(actions: number[]): number {
    while (actions.length < this.decisions.length) {
      const d = actions.length;
      if (isActive(this.decisions[d]!, actions)) return d;
      actions.push(INACTIVE);
    }
    return COMPLETE;
  }

  /** Adds the child of `node` for `choice`; `actions` is node's prefix, extended in place to the child's. */
  expand(node: number, choice: number, actions: number[]): number {
    actions.push(choice);
    return this.push(node, choice, this.nextDecision(actions));
  }

  private push(parent: number, choice: number, decision: number): number {
    const c = this.columns;
    c.parent.push(parent);
    c.choice.push(choice);
    c.decision.push(decision);
    c.visits.push(0);
    c.total.push(0);
    c.virtual.push(0);
    c.exhausted.push(0);
    const id = c.parent.length - 1;
    this.link(id);
    return id;
  }

  private link(id: number): void {
    const d = this.columns.decision[id]!;
    this.children[id] = new Int32Array(d === COMPLETE ? 0 : this.decisions[d]!.choices.length).fill(-1);
    const parent = this.columns.parent[id]!;
    if (parent >= 0) this.children[parent]![this.columns.choice[id]!] = id;
  }

  /** The nodes of `actions`' path that exist, root first. */
  path(actions: Actions): number[] {
    const out = [0];
    let node = 0;
    for (;;) {
      const d = this.columns.decision[node]!;
      if (d === COMPLETE) return out;
      node = this.children[node]![actions[d]!]!;
      if (node < 0) return out;
      out.push(node);
    }
  }

  addVisit(nodes: readonly number[], reward: number): void {
    for (const n of nodes) {
      this.columns.visits[n]! += 1;
      this.columns.total[n]! += reward;
    }
  }

  addVirtual(nodes: readonly number[], delta: number): void {
    for (const n of nodes) this.columns.virtual[n]! += delta;
  }

  /** Marks a complete architecture's node exhausted, and every ancestor all of whose children now are. */
  exhaust(node: number): void {
    const c = this.columns;
    c.exhausted[node] = 1;
    for (let p = c.parent[node]!; p >= 0; p = c.parent[p]!) {
      if (!this.children[p]!.every((id) => id >= 0 && c.exhausted[id] === 1)) return;
      c.exhausted[p] = 1;
    }
  }

  toJSON(): TreeColumns {
    return this.columns;
  }

  /** Reads columns back, checking they form a tree over these decisions. */
  static read(decisions: readonly Decision[], obj: JsonObject, path: string): SearchTree {
    const read = (key: keyof TreeColumns, check: (v: number) => boolean): number[] => {
      const values = readArray(obj, key, path);
      if (!values.every((v) => typeof v === 'number' && check(v))) throw new SnapshotError(`${path}.${key}`, 'holds an invalid entry');
      return values as number[];
    };
    const count = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
    const columns: TreeColumns = {
      parent: read('parent', Number.isSafeInteger),
      choice: read('choice', Number.isSafeInteger),
      decision: read('decision', Number.isSafeInteger),
      visits: read('visits', count),
      total: read('total', Number.isFinite),
      virtual: read('virtual', count),
      exhausted: read('exhausted', (v) => v === 0 || v === 1),
    };
    const n = columns.parent.length;
    if (n === 0 || Object.values(columns).some((c: number[]) => c.length !== n)) throw new SnapshotError(path, 'columns differ in length or are empty');
    // Every node's decision must be the one its prefix leads to, and no (parent, choice) twice.
    const probe = new SearchTree(decisions);
    const prefixes: number[][] = [];
    const taken = new Set<string>();
    for (let id = 0; id < n; id++) {
      const parent = columns.parent[id]!;
      const choice = columns.choice[id]!;
      let prefix: number[];
      if (id === 0) {
        if (parent !== -1) throw new SnapshotError(`${path}.parent[0]`, 'the root has a parent');
        prefix = [];
      } else {
        const d = parent >= 0 && parent < id ? columns.decision[parent]! : COMPLETE;
        if (d === COMPLETE || !(choice >= 0 && choice < decisions[d]!.choices.length) || taken.has(`${parent}:${choice}`)) {
          throw new SnapshotError(`${path}.parent[${id}]`, 'does not form a tree over this decision list');
        }
        taken.add(`${parent}:${choice}`);
        prefix = [...prefixes[parent]!, choice];
      }
      if (probe.nextDecision(prefix) !== columns.decision[id]) throw new SnapshotError(`${path}.decision[${id}]`, 'is not the decision its prefix leads to');
      prefixes.push(prefix);
    }
    return new SearchTree(decisions, columns);
  }
}
