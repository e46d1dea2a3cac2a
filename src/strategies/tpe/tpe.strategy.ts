/**
 * The Tree-structured Parzen Estimator (Bergstra et al., "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011) the way Optuna's `TPESampler(multivariate=True,
 * group=True)` runs it on categorical parameters:
 *
 * 1. the first `startupTrials` proposals are uniform;
 * 2. then the observed trials are ranked by reward (trials stopped early after every
 *    completed one), the best ⌈gamma·n⌉ (at most `maxGood`) form the good set and the
 *    others, with every proposal still in flight, the bad set (Optuna's constant liar: a
 *    trial in flight counts as bad, so proposals in one batch spread out);
 * 3. per group of decisions that always applied together (groups.ts), a Parzen estimator
 *    l(x) over the good trials and g(x) over the bad (parzen.ts);
 * 4. `candidates` architectures are drawn from l, and the one with the highest
 *    log l(x) − log g(x), summed over the groups that apply in it, is proposed.
 *
 * Where this differs from Optuna, and why:
 * - A candidate is drawn whole, in decision order, each group from one kernel of its own
 *   l(x), so conditions see the choices already made; Optuna draws and maximises each
 *   group separately before the objective runs. Without conditions there is one group and
 *   the two are the same algorithm.
 * - Among the candidates, the best one not already evaluated or in flight wins (the best
 *   overall only if all were). Optuna has no notion of a repeat; here a repeat is answered
 *   from the earlier trial and teaches nothing, and repeats in a row end the search.
 */
import type { Actions, Decision } from '../../space/types.js';
import { INACTIVE } from '../../space/types.js';
import type { Observation, Proposal, SearchStrategy, StrategySnapshot, StrategyStats } from '../strategy.js';
import { Random } from '../../random/index.js';
import { assertValidActions, assertValidDecisions, decisionSignature, isActive, sampleUniformActions } from '../actions.js';
import { assertCount, assertReward } from '../checks.js';
import { actionsKey, InFlight } from '../in-flight.js';
import { readArray, readNullableNumber, readNumber, readRandom, snapshotState, SnapshotError, type JsonObject } from '../snapshot.js';
import { ActivityGroups } from './groups.js';
import { resolveTpeHyperparameters, type TpeHyperparameters } from './hyperparameters.js';
import { CategoricalParzen } from './parzen.js';

const SNAPSHOT_VERSION = 1;

interface Trial {
  readonly actions: number[];
  readonly reward: number;
  readonly pruned: boolean;
}

/** l and g of one group. */
interface GroupModel {
  readonly dims: readonly number[];
  readonly good: CategoricalParzen;
  readonly bad: CategoricalParzen;
}

export class TpeStrategy implements SearchStrategy {
  readonly type = 'tpe';
  private params: TpeHyperparameters;
  private readonly signature: string;
  private readonly choiceCounts: readonly number[];
  private rng: Random;
  /** Oldest first. */
  private history: Trial[] = [];
  private seen = new Set<string>();
  private groups: ActivityGroups;
  private inFlight = new InFlight();
  private lastMeanReward: number | null = null;

  constructor(
    private readonly decisions: readonly Decision[],
    hyperparameters: Readonly<Record<string, unknown>> | undefined,
    seed: number,
  ) {
    assertValidDecisions(decisions);
    this.params = resolveTpeHyperparameters(hyperparameters);
    this.signature = decisionSignature(decisions);
    this.choiceCounts = decisions.map((d) => d.choices.length);
    this.rng = Random.fromSeed(seed);
    this.groups = new ActivityGroups(decisions.length);
  }

  get hyperparameters(): TpeHyperparameters {
    return this.params;
  }

  async propose(count: number): Promise<Proposal[]> {
    assertCount(count);
    const proposals: Proposal[] = [];
    for (let i = 0; i < count; i++) {
      const actions = this.history.length < this.params.startupTrials ? sampleUniformActions(this.decisions, this.rng) : this.fromModel();
      this.inFlight.add({ actions, charged: [] });
      proposals.push({ actions, logProb: 0, policyVersion: this.history.length });
    }
    return proposals;
  }

  /** The good and bad trials (bad including those in flight), each oldest first. */
  private split(): { good: Actions[]; bad: Actions[] } {
    const isGood = goodTrials(this.history, this.params.gamma, this.params.maxGood);
    const good: Actions[] = [];
    const bad: Actions[] = [];
    this.history.forEach((t, i) => (isGood[i] ? good : bad).push(t.actions));
    for (const e of this.inFlight.entries) bad.push(e.actions);
    return { good, bad };
  }

  private models(): GroupModel[] {
    const { good, bad } = this.split();
    const prior = this.params.priorWeight;
    return this.groups.groups().map((dims) => {
      const applies = (a: Actions): boolean => dims.every((d) => a[d] !== INACTIVE);
      return {
        dims,
        good: new CategoricalParzen(dims, this.choiceCounts, good.filter(applies), prior),
        bad: new CategoricalParzen(dims, this.choiceCounts, bad.filter(applies), prior),
      };
    });
  }

  private fromModel(): number[] {
    const models = this.models();
    const position = new Map<number, number>();
    for (const m of models) m.dims.forEach((d, i) => position.set(d, i));
    let best: { actions: number[]; score: number } | undefined;
    let bestFresh: { actions: number[]; score: number } | undefined;
    for (let c = 0; c < this.params.candidates; c++) {
      const kernels = models.map((m) => m.good.sampleKernel(this.rng));
      const actions: number[] = [];
      for (let d = 0; d < this.decisions.length; d++) {
        if (!isActive(this.decisions[d]!, actions)) {
          actions.push(INACTIVE);
          continue;
        }
        const g = this.groups.groupOf(d);
        actions.push(models[g]!.good.sampleChoice(kernels[g]!, position.get(d)!, this.rng));
      }
      let score = 0;
      for (const m of models) {
        if (m.dims.some((d) => actions[d] !== INACTIVE)) score += m.good.logPdf(actions) - m.bad.logPdf(actions);
      }
      if (best === undefined || score > best.score) best = { actions, score };
      const key = actionsKey(actions);
      if ((bestFresh === undefined || score > bestFresh.score) && !this.seen.has(key) && !this.inFlight.has(key)) bestFresh = { actions, score };
    }
    return (bestFresh ?? best!).actions;
  }

  async observe(observations: readonly Observation[]): Promise<void> {
    if (observations.length === 0) return;
    for (const o of observations) {
      assertValidActions(this.decisions, o.actions);
      assertReward(o.reward);
    }
    let sum = 0;
    for (const o of observations) {
      this.record({ actions: [...o.actions], reward: o.reward, pruned: o.pruned === true });
      this.inFlight.settle(o.actions);
      sum += o.reward;
    }
    this.lastMeanReward = sum / observations.length;
  }

  private record(trial: Trial): void {
    this.history.push(trial);
    this.seen.add(actionsKey(trial.actions));
    this.groups.refine(trial.actions);
  }

  snapshot(): StrategySnapshot {
    return {
      type: this.type,
      version: SNAPSHOT_VERSION,
      state: {
        signature: this.signature,
        hyperparameters: this.params,
        rng: this.rng.state(),
        history: this.history,
        inFlight: this.inFlight.toJSON(),
        meanReward: this.lastMeanReward,
      },
    };
  }

  /** Continues with the snapshot's hyperparameters; the groups are rebuilt from the history, which determines them. */
  restore(snapshot: StrategySnapshot): void {
    const state = snapshotState(snapshot, this.type, SNAPSHOT_VERSION, this.signature);
    let params: TpeHyperparameters;
    try {
      params = resolveTpeHyperparameters(state.hyperparameters);
    } catch (error) {
      throw new SnapshotError('state.hyperparameters', (error as Error).message);
    }
    const history = readArray(state, 'history').map((item, i) => readTrial(item, `state.history[${i}]`));
    history.forEach((t) => assertValidActions(this.decisions, t.actions));
    const inFlight = InFlight.read(state, 'inFlight');
    inFlight.entries.forEach((e) => assertValidActions(this.decisions, e.actions));
    const rng = readRandom(state, 'rng');
    const meanReward = readNullableNumber(state, 'meanReward');
    this.params = params;
    this.rng = rng;
    this.history = [];
    this.seen = new Set();
    this.groups = new ActivityGroups(this.decisions.length);
    for (const t of history) this.record(t);
    this.inFlight = inFlight;
    this.lastMeanReward = meanReward;
  }

  stats(): StrategyStats {
    return { step: this.history.length, baseline: null, meanReward: this.lastMeanReward, entropy: null };
  }

  dispose(): void {}
}

/**
 * Which observed trials form the good density: the best min(⌈gamma·n⌉, maxGood), ranked
 * completed before pruned (a pruned trial's reward was measured on less training), then by
 * reward; among equals the older trial ranks first, as in Optuna's stable sort.
 */
export function goodTrials(history: readonly { readonly reward: number; readonly pruned: boolean }[], gamma: number, maxGood: number): boolean[] {
  const n = history.length;
  const order = history.map((_, i) => i);
  order.sort((a, b) => {
    const x = history[a]!;
    const y = history[b]!;
    return x.pruned !== y.pruned ? (x.pruned ? 1 : -1) : y.reward - x.reward;
  });
  const count = Math.min(Math.ceil(gamma * n), maxGood, n);
  const good = new Array<boolean>(n).fill(false);
  for (let i = 0; i < count; i++) good[order[i]!] = true;
  return good;
}

function readTrial(item: unknown, where: string): Trial {
  if (item === null || typeof item !== 'object') throw new SnapshotError(where, 'is not an object');
  const o = item as JsonObject;
  const actions = readArray(o, 'actions', where);
  if (!actions.every((a) => Number.isInteger(a))) throw new SnapshotError(`${where}.actions`, 'holds a non-integer');
  if (typeof o.pruned !== 'boolean') throw new SnapshotError(`${where}.pruned`, 'is not a boolean');
  return { actions: actions as number[], reward: readNumber(o, 'reward', where), pruned: o.pruned };
}
