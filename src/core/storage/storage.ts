import type { ExperimentStatus } from '../experiments/experiment-status.js';
import type { TrialStatus } from '../trials/trial-status.js';
import type { Page, PageRequest } from './pagination.js';
import type {
  ExperimentRecord,
  PolicyCheckpointRecord,
  SearchSpaceRecord,
  TrialMetricRecord,
  TrialRecord,
} from './records.js';

/**
 * The storage the services talk to. One implementation (TypeORM) serves both the
 * embedded PGlite and PostgreSQL; the contract suite in test/storage runs against both.
 *
 * Everything done inside `transaction` commits or rolls back together. Inside it, use
 * only the `tx` handed in: in embedded mode a second connection would wait for this
 * transaction to end, forever.
 */
export interface Storage {
  readonly searchSpaces: SearchSpaceRepository;
  readonly experiments: ExperimentRepository;
  readonly trials: TrialRepository;
  readonly metrics: TrialMetricRepository;
  readonly checkpoints: PolicyCheckpointRepository;
  transaction<T>(work: (tx: Storage) => Promise<T>): Promise<T>;
}

type Patch<T> = { -readonly [K in keyof T]?: T[K] };

export interface SearchSpaceFilter {
  readonly nameContains?: string | null;
}

export interface SearchSpaceRepository {
  insert(record: SearchSpaceRecord): Promise<void>;
  findById(id: string): Promise<SearchSpaceRecord | null>;
  list(filter: SearchSpaceFilter, page: PageRequest): Promise<Page<SearchSpaceRecord>>;
  update(id: string, patch: Patch<Pick<SearchSpaceRecord, 'name' | 'updatedAt'>>): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface ExperimentFilter {
  readonly statuses?: readonly ExperimentStatus[] | null;
  readonly searchSpaceId?: string | null;
  readonly nameContains?: string | null;
}

export interface ExperimentRepository {
  insert(record: ExperimentRecord): Promise<void>;
  /** `forUpdate` takes a row lock until the transaction ends: use it for read-modify-write. */
  findById(id: string, options?: { forUpdate?: boolean }): Promise<ExperimentRecord | null>;
  list(filter: ExperimentFilter, page: PageRequest): Promise<Page<ExperimentRecord>>;
  listIdsByStatus(statuses: readonly ExperimentStatus[]): Promise<string[]>;
  countBySearchSpace(searchSpaceId: string): Promise<number>;
  update(id: string, patch: Patch<Omit<ExperimentRecord, 'id' | 'createdAt'>>): Promise<void>;
  delete(id: string): Promise<boolean>;
  /**
   * Makes `owner` the experiment's scheduler until `leaseUntil` when nobody else holds a
   * live claim (or `takeOver`); true when `owner` holds it afterwards. One loop per
   * experiment across all replicas.
   */
  claimScheduler(id: string, owner: string, leaseUntil: Date, now: Date, takeOver: boolean): Promise<boolean>;
  releaseScheduler(id: string, owner: string): Promise<void>;
}

export type TrialOrder = 'SEQUENCE_ASC' | 'SEQUENCE_DESC' | 'REWARD_DESC' | 'REWARD_ASC' | 'CREATED_AT_DESC';

export interface TrialFilter {
  readonly statuses?: readonly TrialStatus[] | null;
}

export type TrialCounts = Readonly<Record<TrialStatus, number>>;

export interface TrialRepository {
  insert(records: readonly TrialRecord[]): Promise<void>;
  findById(id: string, options?: { forUpdate?: boolean }): Promise<TrialRecord | null>;
  list(experimentId: string, filter: TrialFilter, order: TrialOrder, page: PageRequest): Promise<Page<TrialRecord>>;
  /** Trials in sequence order with the given statuses, for the scheduler. */
  listByStatus(experimentId: string, statuses: readonly TrialStatus[], limit?: number): Promise<TrialRecord[]>;
  countByStatus(experimentId: string): Promise<TrialCounts>;
  /** Best finished trial by reward (highest first for MAXIMIZE). */
  best(experimentId: string, direction: 'MAXIMIZE' | 'MINIMIZE', limit: number): Promise<TrialRecord[]>;
  update(id: string, patch: Patch<Omit<TrialRecord, 'id' | 'experimentId' | 'sequence' | 'createdAt'>>): Promise<void>;
  /** Trials that used budget: not answered from another trial, not cancelled. */
  countEvaluations(experimentId: string): Promise<number>;
  /** The first evaluated (non-duplicate) trial with this fingerprint, in any state. */
  findByFingerprint(experimentId: string, fingerprint: string): Promise<TrialRecord | null>;
  /** Locks the oldest PENDING evaluation that no other transaction has locked (SKIP LOCKED). */
  lockNextPending(experimentId: string): Promise<TrialRecord | null>;
  /** RUNNING trials whose lease ended before `now`. */
  listExpiredLeases(experimentId: string, now: Date): Promise<TrialRecord[]>;
  /** Finished trials whose result the strategy has not consumed yet, in sequence order. */
  listUnobserved(experimentId: string): Promise<TrialRecord[]>;
  markObserved(ids: readonly string[], at: Date): Promise<void>;
}

export interface TrialMetricRepository {
  /** Idempotent on (trial, name, step): a repeated report overwrites the value. */
  upsert(record: TrialMetricRecord): Promise<TrialMetricRecord>;
  list(trialId: string, name?: string | null): Promise<TrialMetricRecord[]>;
  /** Values of `name` at `step` over the experiment's trials, for the median stopping rule. */
  valuesAtStep(experimentId: string, name: string, step: number, trialStatuses: readonly TrialStatus[]): Promise<number[]>;
}

export interface PolicyCheckpointRepository {
  /**
   * One row per policy step holding the latest state at that step: inserts, or replaces
   * the state and stats of the step's row and appends to its observed trial ids.
   */
  save(record: PolicyCheckpointRecord): Promise<void>;
  latest(experimentId: string): Promise<PolicyCheckpointRecord | null>;
  /** Oldest first, without the (large) strategy state. */
  history(experimentId: string, limit: number): Promise<Omit<PolicyCheckpointRecord, 'state'>[]>;
}
