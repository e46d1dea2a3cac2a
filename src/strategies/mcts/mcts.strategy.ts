/**
 * Monte Carlo tree search over the decision sequence with UCT (Kocsis & Szepesvári 2006),
 * as AlphaX (Wang et al. 2019) and LaNAS-style searches use it for architectures.
 *
 * One proposal is one iteration:
 * - selection: from the root, while every child of the node has been expanded, descend to
 *   the child with the highest Q + c·√(ln N / n) (Q the child's mean reward rescaled to
 *   [0, 1] by the lowest and highest rewards seen; children whose subtree is exhausted
 *   are skipped);
 * - expansion: one unexpanded child of that node, drawn uniformly, joins the tree (until
 *   `maxNodes`; after that the search goes on by rollouts below the tree);
 * - rollout: the decisions below the tree are completed by the `rollout` policy;
 * - backup, when the reward is observed: every tree node on the architecture's path gains
 *   a visit and the reward.
 *
 * Parallel proposals (documented rule): a proposal in flight is a virtual loss (Chaslot
 * et al. 2008), a visit at the lowest reward seen on every node of its path, replaced by
 * the real reward when it is observed; so a batch of proposals spreads over the tree.
 *
 * Repeats: a complete architecture in the tree is marked exhausted once proposed, and a
 * subtree all of whose children are exhausted is too, so the tree never selects one twice;
 * a rollout that lands on an architecture already evaluated or in flight is redrawn
 * uniformly (a few times; a repeat after that is answered from the earlier trial).
 */
import type { Actions, Decision } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from '../strategy.js';
import { Random } from '../../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature, isActive, sampleUniformActions } from '../actions.js';
import { assertCount, assertReward } from '../checks.js';
import { actionsKey, InFlight, type InFlightEntry } from '../in-flight.js';
import { readActionSequences, readArray, readInteger, readNullableNumber, readObject, readRandom, snapshotState, SnapshotError } from '../snapshot.js';
import { resolveMctsHyperparameters, type MctsHyperparameters } from './hyperparameters.js';
import { COMPLETE, SearchTree } from './tree.js';

const SNAPSHOT_VERSION = 1;
/** Rollouts drawn before a repeat is accepted. */
const ROLLOUT_TRIES = 16;

/** Per decision and choice: observations that took it, and their reward sum (the AMAF statistics). */
interface ChoiceStatistics {
  readonly count: number[][];
  readonly total: number[][];
}

export class MctsStrategy implements SearchStrategy {
  readonly type = 'mcts';
  private params: MctsHyperparameters;
  private readonly signature: string;
  private rng: Random;
  private tree: SearchTree;
  private inFlight = new InFlight();
  /** Every distinct architecture observed, in order of first observation. */
  private evaluated: number[][] = [];
  private seen = new Set<string>();
  private amaf: ChoiceStatistics;
  private low: number | null = null;
  private high: number | null = null;
  private observed = 0;
  private lastMeanReward: number | null = null;

  constructor(
    private readonly decisions: readonly Decision[],
    hyperparameters: Readonly<Record<string, unknown>> | undefined,
    seed: number,
  ) {
    assertValidDecisions(decisions);
    this.params = resolveMctsHyperparameters(hyperparameters);
    this.signature = decisionSignature(decisions);
    this.rng = Random.fromSeed(seed);
    this.tree = new SearchTree(decisions);
    this.amaf = { count: decisions.map((d) => new Array<number>(d.choices.length).fill(0)), total: decisions.map((d) => new Array<number>(d.choices.length).fill(0)) };
  }

  get hyperparameters(): MctsHyperparameters {
    return this.params;
  }

  /** Tree nodes (for tests and dashboards). */
  get treeSize(): number {
    return this.tree.size;
  }

  async propose(count: number): Promise<Proposal[]> {
    assertCount(count);
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) {
      const entry = this.iterate();
      this.tree.addVirtual(entry.charged, 1);
      const dropped = this.inFlight.add(entry);
      if (dropped !== undefined) this.tree.addVirtual(dropped.charged, -1);
      proposals.push({ actions: entry.actions, logProb: 0, policyVersion: this.observed });
    }
    return proposals;
  }

  private taken(actions: Actions): boolean {
    const key = actionsKey(actions);
    return this.seen.has(key) || this.inFlight.has(key);
  }

  /** Selection, expansion and rollout; the entry's `charged` is the tree path that carries the virtual loss. */
  private iterate(): InFlightEntry {
    // Restarts only after marking a node exhausted, so this ends within the tree's size.
    for (;;) {
      if (this.tree.isExhausted(0)) {
        // Every architecture has been proposed: any proposal is a repeat, answered for free.
        return { actions: sampleUniformActions(this.decisions, this.rng), charged: [] };
      }
      const actions: number[] = [];
      this.tree.nextDecision(actions);
      const path = [0];
      let node = 0;
      let restart = false;
      for (;;) {
        const d = this.tree.decisionOf(node);
        if (d === COMPLETE) break;
        const k = this.decisions[d]!.choices.length;
        const unexpanded: number[] = [];
        for (let c = 0; c < k; c++) if (this.tree.child(node, c) < 0) unexpanded.push(c);
        if (unexpanded.length > 0) {
          if (this.tree.size >= this.params.maxNodes) break;
          node = this.tree.expand(node, unexpanded[this.rng.nextInt(unexpanded.length)]!, actions);
          path.push(node);
          if (this.tree.decisionOf(node) === COMPLETE && this.taken(actions)) {
            // Reached before through a rollout: take it out of the tree's choices and select again.
            this.tree.exhaust(node);
            restart = true;
          }
          break;
        }
        const choice = this.select(node, k);
        actions.push(choice);
        this.tree.nextDecision(actions);
        node = this.tree.child(node, choice);
        path.push(node);
      }
      if (restart) continue;
      if (this.tree.decisionOf(node) === COMPLETE) {
        this.tree.exhaust(node);
        return { actions, charged: path };
      }
      return { actions: this.rollout(actions), charged: path };
    }
  }

  /** Rescales a mean reward to [0, 1] by the rewards seen; 0.5 while they do not span a range. */
  private normalized(mean: number): number {
    return this.low === null || this.high === null || this.high === this.low ? 0.5 : (mean - this.low) / (this.high - this.low);
  }

  /** UCT over the node's children that are not exhausted; ties drawn uniformly. */
  private select(node: number, k: number): number {
    const liar = this.low ?? 0;
    const logN = Math.log(Math.max(1, this.tree.load(node)));
    let best = -Infinity;
    let ties: number[] = [];
    for (let c = 0; c < k; c++) {
      const child = this.tree.child(node, c);
      if (this.tree.isExhausted(child)) continue;
      const n = this.tree.load(child);
      const score = n === 0 ? Infinity : this.normalized(this.tree.mean(child, liar)!) + this.params.exploration * Math.sqrt(logN / n);
      if (score > best) {
        best = score;
        ties = [c];
      } else if (score === best) ties.push(c);
    }
    return ties.length === 1 ? ties[0]! : ties[this.rng.nextInt(ties.length)]!;
  }

  /** Completes `prefix` by the rollout policy; redraws uniformly while the result is already taken. */
  private rollout(prefix: readonly number[]): number[] {
    let actions = this.complete(prefix, this.params.rollout);
    for (let i = 1; i < ROLLOUT_TRIES && this.taken(actions); i++) actions = this.complete(prefix, 'random');
    return actions;
  }

  private complete(prefix: readonly number[], policy: MctsHyperparameters['rollout']): number[] {
    const actions = [...prefix];
    for (let d = actions.length; d < this.decisions.length; d++) {
      const decision = this.decisions[d]!;
      if (!isActive(decision, actions)) actions.push(INACTIVE);
      else actions.push(policy === 'random' ? this.rng.nextInt(decision.choices.length) : this.amafChoice(d));
    }
    return actions;
  }

  /** UCB1 over the (decision, choice) statistics of every observation; untried choices first. */
  private amafChoice(d: number): number {
    const count = this.amaf.count[d]!;
    const total = this.amaf.total[d]!;
    const logN = Math.log(Math.max(1, count.reduce((a, b) => a + b, 0)));
    let best = -Infinity;
    let ties: number[] = [];
    for (let c = 0; c < count.length; c++) {
      const n = count[c]!;
      const score = n === 0 ? Infinity : this.normalized(total[c]! / n) + this.params.exploration * Math.sqrt(logN / n);
      if (score > best) {
        best = score;
        ties = [c];
      } else if (score === best) ties.push(c);
    }
    return ties.length === 1 ? ties[0]! : ties[this.rng.nextInt(ties.length)]!;
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
    }
    let sum = 0;
    for (const o of observations) {
      const settled = this.inFlight.settle(o.actions);
      if (settled !== undefined) this.tree.addVirtual(settled.charged, -1);
      const path = this.tree.path(o.actions);
      this.tree.addVisit(path, o.reward);
      const last = path[path.length - 1]!;
      if (this.tree.decisionOf(last) === COMPLETE) this.tree.exhaust(last);
      o.actions.forEach((a, d) => {
        if (a === INACTIVE) return;
        this.amaf.count[d]![a]! += 1;
        this.amaf.total[d]![a]! += o.reward;
      });
      const key = actionsKey(o.actions);
      if (!this.seen.has(key)) {
        this.seen.add(key);
        this.evaluated.push([...o.actions]);
      }
      this.low = this.low === null ? o.reward : Math.min(this.low, o.reward);
      this.high = this.high === null ? o.reward : Math.max(this.high, o.reward);
      sum += o.reward;
    }
    this.observed += observations.length;
    this.lastMeanReward = sum / observations.length;
  }

  snapshot(): StrategySnapshot {
    return {
      type: this.type,
      version: SNAPSHOT_VERSION,
      state: {
        signature: this.signature,
        hyperparameters: this.params,
        rng: this.rng.state(),
        tree: this.tree.toJSON(),
        inFlight: this.inFlight.toJSON(),
        evaluated: this.evaluated,
        amaf: this.amaf,
        low: this.low,
        high: this.high,
        observed: this.observed,
        meanReward: this.lastMeanReward,
      },
    };
  }

  /** Continues with the snapshot's hyperparameters and tree, whatever this instance was built with. */
  restore(snapshot: StrategySnapshot): void {
    const state = snapshotState(snapshot, this.type, SNAPSHOT_VERSION, this.signature);
    let params: MctsHyperparameters;
    try {
      params = resolveMctsHyperparameters(state.hyperparameters);
    } catch (error) {
      throw new SnapshotError('state.hyperparameters', (error as Error).message);
    }
    const tree = SearchTree.read(this.decisions, readObject(state, 'tree'), 'state.tree');
    const inFlight = InFlight.read(state, 'inFlight');
    inFlight.entries.forEach((e, i) => {
      assertValidActions(this.decisions, e.actions);
      if (e.charged.some((n) => n >= tree.size)) throw new SnapshotError(`state.inFlight[${i}].charged`, 'names a node the tree does not have');
    });
    const evaluated = readActionSequences(state, 'evaluated');
    evaluated.forEach((a) => assertValidActions(this.decisions, a));
    const amaf = readChoiceStatistics(this.decisions, readObject(state, 'amaf'));
    const restored = {
      rng: readRandom(state, 'rng'),
      low: readNullableNumber(state, 'low'),
      high: readNullableNumber(state, 'high'),
      observed: readInteger(state, 'observed'),
      meanReward: readNullableNumber(state, 'meanReward'),
    };
    this.params = params;
    this.tree = tree;
    this.inFlight = inFlight;
    this.evaluated = evaluated;
    this.seen = new Set(evaluated.map(actionsKey));
    this.amaf = amaf;
    this.rng = restored.rng;
    this.low = restored.low;
    this.high = restored.high;
    this.observed = restored.observed;
    this.lastMeanReward = restored.meanReward;
  }

  stats(): StrategyStats {
    return { step: this.observed, baseline: null, meanReward: this.lastMeanReward, entropy: null };
  }

  dispose(): void {}
}

function readChoiceStatistics(decisions: readonly Decision[], obj: Readonly<Record<string, unknown>>): ChoiceStatistics {
  const read = (key: 'count' | 'total'): number[][] => {
    const rows = readArray(obj, key, 'state.amaf');
    if (rows.length !== decisions.length) throw new SnapshotError(`state.amaf.${key}`, `has ${rows.length} rows for ${decisions.length} decisions`);
    return rows.map((row, d) => {
      const ok = Array.isArray(row) && row.length === decisions[d]!.choices.length && row.every((v) => typeof v === 'number' && Number.isFinite(v) && (key === 'total' || v >= 0));
      if (!ok) throw new SnapshotError(`state.amaf.${key}[${d}]`, 'is not one finite number per choice');
      return row as number[];
    });
  };
  return { count: read('count'), total: read('total') };
}
