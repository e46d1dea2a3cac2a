import { randomUUID } from 'node:crypto';
import { inScope, type ProjectScope } from '../access/access.js';
import { InvalidInputError, ConflictError, IssueList, NotFoundError, assertId } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import { isBetter } from '../objective/objective.js';
import type { SearchSpaceService } from '../search-spaces/search-space.service.js';
import { checkName } from '../search-spaces/search-space.service.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { ExperimentFilter, RewardPoint, Storage, TrialTally } from '../storage/storage.js';
import { evaluationsUsed, finishedEvaluations } from '../trials/tally.js';
import { normalizeExperimentConfig, type ExperimentConfig, type ExperimentConfigInput } from './experiment-config.js';
import { experimentArtifactKey, type ArtifactStore } from '../../artifacts/index.js';
import { FinalizationStatus } from '../finalization/finalization-status.js';
import { ExperimentStatus } from './experiment-status.js';
import type { PluginCatalog } from './plugin-catalog.js';

export interface CreateExperimentInput extends ExperimentConfigInput {
  readonly name: string;
  readonly description?: string | null;
  readonly searchSpaceId: string;
}

export interface UpdateExperimentInput extends ExperimentConfigInput {
  readonly name?: string | null;
  readonly description?: string | null;
}

const MAX_DESCRIPTION = 10_000;

/** One point of the best-so-far curve: the best reward once trial `sequence` was evaluated, found by `trialId`. */
export type BestSoFarPoint = RewardPoint;

/** The longest best-so-far curve answered: a search of that many evaluations. */
const MAX_CURVE_POINTS = 100_000;

export interface ExperimentProgress {
  readonly evaluations: number;
  readonly finishedEvaluations: number;
  readonly maxTrials: number;
  readonly fraction: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number | null;
}

/**
 * Experiments as configured things: create, read, update, delete. Running them (the
 * lifecycle transitions and the scheduler) lives beside this in the scheduler's service.
 */
export class ExperimentService {
  constructor(
    private readonly storage: Storage,
    private readonly spaces: SearchSpaceService,
    private readonly plugins: PluginCatalog,
    /** Its finalists' models go with a deleted experiment. */
    private readonly artifacts: ArtifactStore | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async checkPlugins(config: ExperimentConfig, searchSpaceId: string, prefix: string): Promise<void> {
    const errors = new IssueList();
    if (!this.plugins.strategyTypes.includes(config.strategy.type)) {
      errors.add(`${prefix}.strategy.type`, `unknown strategy; one of ${this.plugins.strategyTypes.join(', ')}`);
    }
    if (!this.plugins.evaluatorTypes.includes(config.evaluator.type)) {
      errors.add(`${prefix}.evaluator.type`, `unknown evaluator; one of ${this.plugins.evaluatorTypes.join(', ')}`);
    }
    errors.throwIfAny('invalid experiment configuration');
    const space = await this.spaces.compiledSpace(searchSpaceId);
    errors.addAll(this.plugins.validateStrategy(config.strategy, space.decisions), `${prefix}.strategy`);
    errors.addAll(this.plugins.validateEvaluator(config.evaluator, { kind: space.kind, decisions: space.decisions }), `${prefix}.evaluator.options`);
    errors.throwIfAny('invalid experiment configuration');
    // A violated hard constraint scores 0 (src/core/objective/finish-rule.ts), which is
    // the worst only of a maximised score.
    if (config.objective.direction === 'MINIMIZE' && this.plugins.constraintsOf(config.evaluator, config.constraints).some((c) => c.mode === 'hard')) {
      errors.add(`${prefix}.objective.direction`, 'hard constraints (the experiment\'s limits or the evaluator\'s) need a MAXIMIZE objective: a violation scores 0');
    }
    errors.throwIfAny('invalid experiment configuration');
  }

  /** An experiment belongs to its search space's project; a space outside the scope is NOT_FOUND. */
  async create(input: CreateExperimentInput, scope: ProjectScope): Promise<ExperimentRecord> {
    const name = checkName('input.name', input.name);
    const description = this.checkDescription('input.description', input.description);
    assertId('input.searchSpaceId', input.searchSpaceId);
    const space = await this.spaces.get(input.searchSpaceId, scope);
    const config = normalizeExperimentConfig(input);
    await this.checkPlugins(config, input.searchSpaceId, 'input');
    const at = this.now();
    const record: ExperimentRecord = {
      id: randomUUID(),
      project: space.project,
      name,
      description,
      searchSpaceId: input.searchSpaceId,
      ...config,
      status: ExperimentStatus.CREATED,
      endReason: null,
      bestTrialId: null,
      trialSequence: 0,
      consecutiveDuplicates: 0,
      schedulerOwner: null,
      schedulerLeaseUntil: null,
      createdAt: at,
      updatedAt: at,
      startedAt: null,
      finishedAt: null,
    };
    // The search space may be deleted between the check above and this insert; the
    // foreign key refuses the row then, and the transaction leaves nothing behind.
    await this.storage.transaction(async (tx) => {
      if ((await tx.searchSpaces.findById(input.searchSpaceId)) === null) throw new NotFoundError('search space', input.searchSpaceId);
      await tx.experiments.insert(record);
      tx.emit(event(Topic.ExperimentUpdated, record.id, record));
    });
    return record;
  }

  private checkDescription(path: string, description: string | null | undefined): string | null {
    if (description === null || description === undefined) return null;
    if (description.length > MAX_DESCRIPTION) throw InvalidInputError.field(path, `must be at most ${MAX_DESCRIPTION} characters`);
    return description;
  }

  async update(id: string, input: UpdateExperimentInput, scope: ProjectScope): Promise<ExperimentRecord> {
    assertId('id', id);
    const name = input.name === undefined || input.name === null ? undefined : checkName('input.name', input.name);
    const description = input.description === undefined ? undefined : this.checkDescription('input.description', input.description);
    const touchesConfig = ['strategy', 'evaluator', 'objective', 'constraints', 'budget', 'earlyStopping', 'seed'].some(
      (k) => input[k as keyof ExperimentConfigInput] !== undefined && input[k as keyof ExperimentConfigInput] !== null,
    );
    // Compiled before the transaction: on the embedded database a read on another
    // connection inside it would wait for the transaction, which waits for the read.
    const before = await this.get(id, scope);
    if (touchesConfig) await this.spaces.compiledSpace(before.searchSpaceId);
    return this.storage.transaction(async (tx) => {
      const current = await tx.experiments.findById(id, { forUpdate: true });
      if (current === null) throw new NotFoundError('experiment', id);
      let config: Partial<ExperimentConfig> = {};
      if (touchesConfig) {
        if (current.status !== ExperimentStatus.CREATED) {
          throw new ConflictError(`experiment ${id} is ${current.status}; its configuration can only change before it starts`, {
            status: current.status,
          });
        }
        // Unspecified sections keep their current values.
        config = normalizeExperimentConfig({
          strategy: input.strategy ?? current.strategy,
          evaluator: input.evaluator ?? current.evaluator,
          objective: input.objective ?? current.objective,
          constraints: input.constraints ?? current.constraints,
          budget: input.budget ? { ...current.budget, ...stripNulls(input.budget) } : current.budget,
          earlyStopping: input.earlyStopping === undefined ? current.earlyStopping : input.earlyStopping,
          seed: input.seed ?? current.seed,
        });
        await this.checkPlugins(config as ExperimentConfig, current.searchSpaceId, 'input');
      }
      const patch = {
        ...config,
        ...(name !== undefined ? { name } : {}),
        ...(description !== undefined ? { description } : {}),
        updatedAt: this.now(),
      };
      await tx.experiments.update(id, patch);
      const updated = { ...current, ...patch };
      tx.emit(event(Topic.ExperimentUpdated, id, updated));
      return updated;
    });
  }

  async delete(id: string, scope: ProjectScope): Promise<void> {
    assertId('id', id);
    await this.storage.transaction(async (tx) => {
      const current = await tx.experiments.findById(id, { forUpdate: true });
      if (current === null || !inScope(scope, current.project)) throw new NotFoundError('experiment', id);
      if (current.status === ExperimentStatus.RUNNING) {
        throw new ConflictError(`experiment ${id} is RUNNING; cancel or pause it before deleting it`, { status: current.status });
      }
      if ((await tx.finalizations.findById(id))?.status === FinalizationStatus.RUNNING) {
        throw new ConflictError(`experiment ${id} is being finalised; cancel its finalization before deleting it`, { status: current.status });
      }
      await tx.experiments.delete(id);
    });
    // After the commit: files without rows are only garbage, rows without files would be lies.
    await this.artifacts?.delete(experimentArtifactKey(id));
  }

  /** An experiment outside the scope is NOT_FOUND, exactly like one that does not exist. */
  async get(id: string, scope: ProjectScope): Promise<ExperimentRecord> {
    assertId('id', id);
    const record = await this.storage.experiments.findById(id);
    if (record === null || !inScope(scope, record.project)) throw new NotFoundError('experiment', id);
    return record;
  }

  list(filter: ExperimentFilter, page: PageRequest, scope: ProjectScope): Promise<Page<ExperimentRecord>> {
    if (filter.searchSpaceId) assertId('searchSpaceId', filter.searchSpaceId);
    if (scope !== null && filter.project && filter.project !== scope) return Promise.resolve({ items: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0 });
    return this.storage.experiments.list({ ...filter, project: scope ?? filter.project ?? null }, page);
  }

  /**
   * The experiments with these ids, for fields reached from something the caller was
   * already allowed to see (a trial's experiment); a missing one is NOT_FOUND.
   */
  async getMany(ids: readonly string[]): Promise<Map<string, ExperimentRecord | NotFoundError>> {
    const found = new Map((await this.storage.experiments.findByIds(ids)).map((e) => [e.id, e]));
    return new Map(ids.map((id) => [id, found.get(id) ?? new NotFoundError('experiment', id)]));
  }

  tally(id: string): Promise<TrialTally> {
    return this.storage.trials.tally(id);
  }

  tallies(ids: readonly string[]): Promise<Map<string, TrialTally>> {
    return this.storage.trials.tallies(ids);
  }

  /** The id of each experiment's latest event: where a subscription resumes to miss nothing. */
  lastEventIds(ids: readonly string[]): Promise<Map<string, number>> {
    return this.storage.events.lastIds(ids);
  }

  /**
   * The best trial of each: the one the scheduler recorded, or, before it has recorded
   * one, the best finished evaluation there is. Two queries for any number of experiments.
   */
  async bestTrial(experiment: ExperimentRecord): Promise<TrialRecord | null> {
    return (await this.bestTrials([experiment])).get(experiment.id)!;
  }

  async bestTrials(experiments: readonly ExperimentRecord[]): Promise<Map<string, TrialRecord | null>> {
    const recorded = experiments.flatMap((e) => (e.bestTrialId === null ? [] : [e.bestTrialId]));
    const unrecorded = experiments.filter((e) => e.bestTrialId === null).map((e) => ({ experimentId: e.id, direction: e.objective.direction }));
    const [byId, ranked] = await Promise.all([this.storage.trials.findByIds(recorded), this.storage.trials.bestOfEach(unrecorded, 1)]);
    const trials = new Map(byId.map((t) => [t.id, t]));
    return new Map(
      experiments.map((e) => [e.id, e.bestTrialId === null ? (ranked.get(e.id)?.[0] ?? null) : (trials.get(e.bestTrialId) ?? null)]),
    );
  }

  async leaderboard(experiment: ExperimentRecord, top: number): Promise<TrialRecord[]> {
    return (await this.leaderboards([experiment], top)).get(experiment.id)!;
  }

  /** The `top` best evaluations of each experiment, best first in its own direction. */
  leaderboards(experiments: readonly ExperimentRecord[], top: number): Promise<Map<string, TrialRecord[]>> {
    if (!Number.isInteger(top) || top < 1 || top > 1000) throw InvalidInputError.field('top', 'must be an integer between 1 and 1000');
    return this.storage.trials.bestOfEach(
      experiments.map((e) => ({ experimentId: e.id, direction: e.objective.direction })),
      top,
    );
  }

  /** The best reward after each evaluation of each experiment, in sequence order: the curve every NAS paper plots. */
  async bestSoFarCurves(experiments: readonly ExperimentRecord[]): Promise<Map<string, BestSoFarPoint[]>> {
    const rewards = await this.storage.trials.rewardCurves(
      experiments.map((e) => e.id),
      MAX_CURVE_POINTS,
    );
    return new Map(
      experiments.map((experiment) => {
        const better = (a: number, b: number): boolean => isBetter(experiment.objective.direction, a, b);
        const curve: BestSoFarPoint[] = [];
        for (const point of rewards.get(experiment.id) ?? []) {
          const last = curve.at(-1);
          curve.push(last === undefined || better(point.reward, last.reward) ? point : { ...last, sequence: point.sequence });
        }
        return [experiment.id, curve];
      }),
    );
  }

  async progress(experiment: ExperimentRecord): Promise<ExperimentProgress> {
    return this.progressFrom(experiment, await this.tally(experiment.id));
  }

  /**
   * Budget used, time spent, and a linear estimate of the time left, from the
   * experiment's tally. Evaluations only: a trial answered from an earlier one costs no
   * budget and no time, so counting it would run the bar past the budget and the
   * estimate to zero early.
   */
  progressFrom(experiment: ExperimentRecord, tally: TrialTally): ExperimentProgress {
    const evaluations = evaluationsUsed(tally);
    const finished = finishedEvaluations(tally);
    const end = experiment.finishedAt ?? this.now();
    const elapsedSeconds = experiment.startedAt ? Math.max(0, (end.getTime() - experiment.startedAt.getTime()) / 1000) : 0;
    const remaining = Math.max(0, experiment.budget.maxTrials - finished);
    const etaSeconds =
      experiment.finishedAt !== null ? 0 : finished > 0 && experiment.startedAt ? (elapsedSeconds / finished) * remaining : null;
    return {
      evaluations,
      finishedEvaluations: finished,
      maxTrials: experiment.budget.maxTrials,
      fraction: Math.min(1, finished / experiment.budget.maxTrials),
      elapsedSeconds,
      etaSeconds,
    };
  }

  policyHistory(experimentId: string, limit: number) {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw InvalidInputError.field('limit', 'must be an integer between 1 and 100000');
    return this.storage.checkpoints.history(experimentId, limit);
  }
}

function stripNulls<T extends object>(value: T): Partial<{ [K in keyof T]: NonNullable<T[K]> }> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<{
    [K in keyof T]: NonNullable<T[K]>;
  }>;
}
