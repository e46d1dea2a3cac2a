import { inScope, type ProjectScope } from '../access/access.js';
import { ConflictError, IssueList, NotFoundError, assertId } from '../errors.js';
import { Topic, event } from '../events/topics.js';
import type { PluginCatalog } from '../experiments/plugin-catalog.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import { experimentSeeds } from '../../random/index.js';
import type { ExperimentRecord, FinalizationRecord, FinalizationSpec, FinalTrialSpec, TrialRecord } from '../storage/records.js';
import type { Storage, Transaction } from '../storage/storage.js';
import { insertTrials, type NewTrial } from '../trials/new-trials.js';
import { TrialStage } from '../trials/trial-stage.js';
import { TrialStatus } from '../trials/trial-status.js';
import { applyTransition, cancel } from '../trials/trial-transitions.js';
import type { ArtifactStore } from '../../artifacts/index.js';
import { graphnasVersion } from '../../version.js';
import { FinalizationStatus } from './finalization-status.js';
import { MODEL_CARD_FILE, modelCard } from './model-card.js';
import { summarize, type FinalizationSummary } from './summary.js';

export interface FinalizeInput {
  /** Distinct architectures retrained, best proxy reward first (default 5). */
  readonly topK?: number | null;
  /** Seeds per finalist (default 3; 1 for a table). */
  readonly seeds?: number | null;
  /** Evaluator options for the final budget, over the dataset's final defaults. */
  readonly budget?: Readonly<Record<string, unknown>> | null;
  /** Also start a replicate of every seed from the proxy trial's weights, and report what that changed. */
  readonly inheritWeights?: boolean | null;
}

export const FINALIZE_LIMITS = { maxTopK: 50, maxSeeds: 10, maxBudgetKeys: 50 } as const;
export const FINALIZE_DEFAULTS = { topK: 5, seeds: 3 } as const;

/** Experiments whose search is over with results to retrain. */
const FINALIZABLE: readonly ExperimentStatus[] = [ExperimentStatus.SUCCEEDED, ExperimentStatus.CANCELLED, ExperimentStatus.FAILED];
/** A finalization in these states may be started again as a new round. */
const RESTARTABLE: readonly FinalizationStatus[] = [FinalizationStatus.FAILED, FinalizationStatus.CANCELLED];

export interface FinalizationView {
  readonly record: FinalizationRecord;
  /** The proxy trials and their finalist trials of the current round, best proxy first. */
  readonly finalists: readonly { readonly proxy: TrialRecord; readonly replicates: readonly TrialRecord[] }[];
  readonly summary: FinalizationSummary;
}

/**
 * The second stage of the method: a finished search's best distinct architectures are
 * retrained at a final budget with several seeds, tested once on the held-out split, and
 * the winner chosen by validation. The finalists are FINAL trials of the same experiment,
 * so they run on the same scheduler, leases, retries and workers as the search's trials
 * (src/core/finalization/finalization-runner.ts), and never reach its strategy.
 */
export class FinalizationService {
  constructor(
    private readonly storage: Storage,
    private readonly plugins: PluginCatalog,
    private readonly artifacts: ArtifactStore | null = null,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async finalize(experimentId: string, input: FinalizeInput, scope: ProjectScope): Promise<FinalizationRecord> {
    assertId('id', experimentId);
    const experiment = await this.storage.experiments.findById(experimentId);
    if (experiment === null || !inScope(scope, experiment.project)) throw new NotFoundError('experiment', experimentId);
    const issues = new IssueList();
    const topK = positiveInteger(issues, 'input.topK', input.topK, FINALIZE_DEFAULTS.topK, FINALIZE_LIMITS.maxTopK);
    const overrides = input.budget ?? {};
    if (Object.keys(overrides).length > FINALIZE_LIMITS.maxBudgetKeys) issues.add('input.budget', `at most ${FINALIZE_LIMITS.maxBudgetKeys} options`);
    const plan = await this.plugins.finalPlan(experiment.evaluator, overrides);
    issues.addAll(plan.issues, 'input.budget');
    const seeds = positiveInteger(issues, 'input.seeds', input.seeds, plan.defaultSeeds, FINALIZE_LIMITS.maxSeeds);
    const inheritWeights = input.inheritWeights ?? false;
    if (inheritWeights && !plan.inheritance) issues.add('input.inheritWeights', `the ${experiment.evaluator.type} evaluator trains no weights to inherit`);
    issues.throwIfAny('invalid finalization');
    if (plan.unavailable !== null) throw new ConflictError(`experiment ${experimentId} cannot be finalised: ${plan.unavailable}`, { reason: 'NO_TEST_SPLIT' });

    return this.storage.transaction(async (tx) => {
      const locked = await tx.experiments.findById(experimentId, { forUpdate: true });
      if (locked === null) throw new NotFoundError('experiment', experimentId);
      if (!FINALIZABLE.includes(locked.status)) {
        throw new ConflictError(`experiment ${experimentId} is ${locked.status}; finalise it once its search has ended`, { status: locked.status });
      }
      const previous = await tx.finalizations.findById(experimentId, { forUpdate: true });
      if (previous !== null && !RESTARTABLE.includes(previous.status)) {
        throw new ConflictError(`experiment ${experimentId} already has a ${previous.status} finalization`, { status: previous.status });
      }
      const proxies = await distinctBest(tx, locked, topK);
      if (proxies.length === 0) throw new ConflictError(`experiment ${experimentId} has no succeeded trial to finalise`, { reason: 'NO_RESULTS' });
      const round = (previous?.round ?? 0) + 1;
      const now = this.now();
      const seedsOf = experimentSeeds(locked.seed);
      const trials: NewTrial[] = [];
      for (const proxy of proxies) {
        for (let replicate = 0; replicate < seeds; replicate++) {
          const arms = inheritWeights ? [seedsOf.trial(proxy.sequence), null] : [null];
          for (const inheritFromSeed of arms) {
            const spec: FinalTrialSpec = { round, replicate, seed: seedsOf.final(replicate), budget: plan.budget, keepModel: plan.keepsModel, inheritFromSeed };
            trials.push({ ...pick(proxy), final: { finalistOf: proxy.id, spec } });
          }
        }
      }
      await insertTrials(tx, locked, trials, now);
      const finalizationSpec: FinalizationSpec = { topK, seeds, overrides, budget: plan.budget, inheritWeights, finalistIds: proxies.map((p) => p.id) };
      const record: FinalizationRecord = { experimentId, round, status: FinalizationStatus.RUNNING, spec: finalizationSpec, error: null, createdAt: now, updatedAt: now, finishedAt: null };
      await tx.finalizations.save(record);
      tx.emit(event(Topic.FinalizationUpdated, experimentId, record));
      return record;
    });
  }

  /** Cancels a RUNNING finalization and its unfinished finalists (their running evaluations are aborted). */
  async cancel(experimentId: string, scope: ProjectScope): Promise<FinalizationRecord> {
    assertId('id', experimentId);
    return this.storage.transaction(async (tx) => {
      const experiment = await tx.experiments.findById(experimentId, { forUpdate: true });
      if (experiment === null || !inScope(scope, experiment.project)) throw new NotFoundError('experiment', experimentId);
      const current = await tx.finalizations.findById(experimentId, { forUpdate: true });
      if (current === null) throw new NotFoundError('finalization', experimentId);
      if (current.status !== FinalizationStatus.RUNNING) {
        throw new ConflictError(`the finalization of experiment ${experimentId} is ${current.status}, not RUNNING`, { status: current.status });
      }
      return this.end(tx, current, FinalizationStatus.CANCELLED, 'finalization cancelled');
    });
  }

  async get(experimentId: string): Promise<FinalizationRecord | null> {
    return this.storage.finalizations.findById(experimentId);
  }

  /** The record with its finalists and what they found so far. */
  async view(experimentId: string, objective: ExperimentRecord['objective']): Promise<FinalizationView | null> {
    const record = await this.storage.finalizations.findById(experimentId);
    if (record === null) return null;
    const finalists = await this.finalistsOf(this.storage, record);
    return { record, finalists, summary: summarize(objective, finalists, record.spec.inheritWeights) };
  }

  /**
   * A file of a finalist's model for download: the stored ones, and MODEL_CARD.md written
   * from the current results. NOT_FOUND for anything the caller may not see or that does
   * not exist, alike.
   */
  async modelFile(experimentId: string, trialId: string, name: string, scope: ProjectScope): Promise<{ readonly bytes: Uint8Array; readonly name: string }> {
    assertId('experimentId', experimentId);
    assertId('trialId', trialId);
    const experiment = await this.storage.experiments.findById(experimentId);
    if (experiment === null || !inScope(scope, experiment.project)) throw new NotFoundError('experiment', experimentId);
    const trial = await this.storage.trials.findById(trialId);
    if (trial === null || trial.experimentId !== experimentId || trial.artifact === null) throw new NotFoundError('model of trial', trialId);
    if (name === MODEL_CARD_FILE) {
      const view = await this.view(experimentId, experiment.objective);
      if (view === null) throw new NotFoundError('finalization', experimentId);
      const card = modelCard({ experiment, view, trial, searchTally: await this.storage.trials.tally(experimentId), version: graphnasVersion() });
      return { name, bytes: new TextEncoder().encode(card) };
    }
    if (!trial.artifact.files.some((f) => f.name === name)) throw new NotFoundError('model file', name);
    const bytes = this.artifacts ? await this.artifacts.read(trial.artifact.key, name) : null;
    if (bytes === null) throw new NotFoundError('model file', name);
    return { name, bytes };
  }

  /**
   * The runner's step: once no finalist of the round is PENDING or RUNNING, the round
   * ends, SUCCEEDED when a finalist has a result and FAILED otherwise. Returns the record
   * after the step (unchanged while finalists remain).
   */
  async settle(experimentId: string): Promise<FinalizationRecord | null> {
    return this.storage.transaction(async (tx) => {
      const current = await tx.finalizations.findById(experimentId, { forUpdate: true });
      if (current === null || current.status !== FinalizationStatus.RUNNING) return current;
      const experiment = await tx.experiments.findById(experimentId);
      if (experiment === null) return null;
      const finalists = await this.finalistsOf(tx, current);
      const replicates = finalists.flatMap((f) => f.replicates);
      if (replicates.some((t) => t.status === TrialStatus.PENDING || t.status === TrialStatus.RUNNING)) return current;
      const summary = summarize(experiment.objective, finalists, current.spec.inheritWeights);
      if (summary.winner !== null) return this.end(tx, current, FinalizationStatus.SUCCEEDED, null);
      const reasons = [...new Set(replicates.flatMap((t) => (t.error ? [t.error] : [])))].slice(0, 3);
      return this.end(tx, current, FinalizationStatus.FAILED, `no finalist finished${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
    });
  }

  private async end(tx: Transaction, current: FinalizationRecord, status: FinalizationStatus, error: string | null): Promise<FinalizationRecord> {
    const now = this.now();
    for (const trial of await tx.trials.listByStatus(current.experimentId, [TrialStatus.PENDING, TrialStatus.RUNNING], 10_000, TrialStage.FINAL)) {
      await applyTransition(tx, trial.id, cancel(error ?? 'finalization ended'), now);
    }
    const patch = { status, error, updatedAt: now, finishedAt: now };
    await tx.finalizations.update(current.experimentId, patch);
    const ended = { ...current, ...patch };
    tx.emit(event(Topic.FinalizationUpdated, current.experimentId, ended));
    return ended;
  }

  private async finalistsOf(storage: Storage, record: FinalizationRecord): Promise<FinalizationView['finalists']> {
    const finals = await storage.trials.listByStatus(record.experimentId, Object.values(TrialStatus), 10_000, TrialStage.FINAL);
    const ofRound = finals.filter((t) => t.final?.round === record.round);
    // One query, in the spec's order (best proxy first): inside a transaction, reads cannot run side by side.
    const found = new Map((await storage.trials.findByIds(record.spec.finalistIds)).map((t) => [t.id, t]));
    return record.spec.finalistIds
      .flatMap((id) => (found.has(id) ? [found.get(id)!] : []))
      .map((proxy) => ({ proxy, replicates: ofRound.filter((t) => t.finalistOf === proxy.id) }));
  }
}

/** The best `k` search trials with distinct architectures (answered duplicates never count: they have no evaluation of their own). */
async function distinctBest(tx: Transaction, experiment: ExperimentRecord, k: number): Promise<TrialRecord[]> {
  const picked: TrialRecord[] = [];
  const seen = new Set<string>();
  for (const trial of await tx.trials.best(experiment.id, experiment.objective.direction, k * 4)) {
    if (seen.has(trial.fingerprint)) continue;
    seen.add(trial.fingerprint);
    picked.push(trial);
    if (picked.length === k) break;
  }
  return picked;
}

function pick(proxy: TrialRecord): Omit<NewTrial, 'final'> {
  const { actions, architecture, label, fingerprint, policyVersion, logProb } = proxy;
  return { actions, architecture, label, fingerprint, policyVersion, logProb };
}

function positiveInteger(issues: IssueList, path: string, value: number | null | undefined, fallback: number, max: number): number {
  if (value === null || value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    issues.add(path, `must be an integer from 1 to ${max}, got ${value}`);
    return fallback;
  }
  return value;
}
