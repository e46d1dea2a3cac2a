import type { DomainEvent, NewEvent } from '../events/topics.js';
import type { ExperimentStatus } from '../experiments/experiment-status.js';
import type { FinalizationStatus } from '../finalization/finalization-status.js';
import type { TrialStatus } from '../trials/trial-status.js';
import type { TrialStage } from '../trials/trial-stage.js';
import type { Page, PageRequest } from './pagination.js';
import type {
  ApiKeyRecord,
  AuditRecord,
  ExperimentRecord,
  FinalizationRecord,
  PolicyCheckpointRecord,
  SearchSpaceRecord,
  TrialMetricRecord,
  TrialRecord,
  WorkerRecord,
} from './records.js';

/**
 * The storage the services talk to. One implementation (TypeORM) serves both the
 * embedded PGlite and PostgreSQL; the contract suite in test/storage runs against both.
 *
 * Everything done inside `transaction` commits or rolls back together. Inside it, use
 * only the `tx` handed in: in embedded mode a second connection would wait for this
 * transaction to end, forever. `transaction` called on a `tx` joins it.
 */
export interface Storage {
  readonly searchSpaces: SearchSpaceRepository;
  readonly experiments: ExperimentRepository;
  readonly trials: TrialRepository;
  readonly metrics: TrialMetricRepository;
  readonly checkpoints: PolicyCheckpointRepository;
  readonly events: EventLogRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly audit: AuditRepository;
  readonly finalizations: FinalizationRepository;
  readonly workers: WorkerRepository;
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
}

/**
 * A storage inside a transaction, the only place events come from (the transactional
 * outbox): `emit` records an event that is written to the experiment's event log with
 * the next gap-free id as the last act of the transaction, and handed to the event bus
 * only after COMMIT. A rollback drops it with the data it described; a crash after the
 * commit cannot separate them.
 */
export interface Transaction extends Storage {
  emit(event: NewEvent): void;
}

type Patch<T> = { -readonly [K in keyof T]?: T[K] };

export interface SearchSpaceFilter {
  readonly nameContains?: string | null;
  /** Only this project's; null or absent for every project. */
  readonly project?: string | null;
}

export interface SearchSpaceRepository {
  insert(record: SearchSpaceRecord): Promise<void>;
  findById(id: string): Promise<SearchSpaceRecord | null>;
  /** The spaces with these ids that exist, in no particular order: one query for a page of experiments. */
  findByIds(ids: readonly string[]): Promise<SearchSpaceRecord[]>;
  list(filter: SearchSpaceFilter, page: PageRequest): Promise<Page<SearchSpaceRecord>>;
  update(id: string, patch: Patch<Pick<SearchSpaceRecord, 'name' | 'updatedAt'>>): Promise<void>;
  delete(id: string): Promise<boolean>;
}

export interface ExperimentFilter {
  /** Only this project's; null or absent for every project. */
  readonly project?: string | null;
  readonly statuses?: readonly ExperimentStatus[] | null;
  readonly searchSpaceId?: string | null;
  readonly nameContains?: string | null;
}

export interface ExperimentRepository {
  insert(record: ExperimentRecord): Promise<void>;
  /**
   * `forUpdate` takes a row lock until the transaction ends: use it for read-modify-write.
   * (FOR NO KEY UPDATE: it excludes other writers of the row but not the key-share locks
   * that rows referencing it take when inserted, such as its events and trials; FOR
   * UPDATE there deadlocks a scheduler pass against a worker's completion.)
   */
  findById(id: string, options?: { forUpdate?: boolean }): Promise<ExperimentRecord | null>;
  /** The experiments with these ids that exist, in no particular order. */
  findByIds(ids: readonly string[]): Promise<ExperimentRecord[]>;
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

/** Trials answered from an earlier trial with the same architecture: listed with the rest, left out, or alone. */
export type DuplicateFilter = 'INCLUDE' | 'EXCLUDE' | 'ONLY';

export interface TrialFilter {
  readonly statuses?: readonly TrialStatus[] | null;
  readonly duplicates?: DuplicateFilter | null;
  /** Null or absent: both stages. */
  readonly stage?: TrialStage | null;
  /** FINAL trials of this proxy trial only. */
  readonly finalistOf?: string | null;
}

export type TrialCounts = Readonly<Record<TrialStatus, number>>;

/**
 * Trials by status, evaluations and answered duplicates apart. Maintained by the database
 * as trials change (migrations/1765324800000-query-indexes.ts), so reading it costs a few
 * rows whatever the experiment's size; exact inside a transaction too, its own changes
 * included.
 */
export interface TrialTally {
  /** Trials evaluated for their own result. */
  readonly evaluations: TrialCounts;
  /** Trials answered from an earlier trial with the same architecture: no evaluation, no budget. */
  readonly duplicates: TrialCounts;
}

export interface BestRequest {
  readonly experimentId: string;
  readonly direction: 'MAXIMIZE' | 'MINIMIZE';
}

export interface RewardPoint {
  readonly trialId: string;
  readonly sequence: number;
  readonly reward: number;
}

export interface TrialRepository {
  insert(records: readonly TrialRecord[]): Promise<void>;
  findById(id: string, options?: { forUpdate?: boolean }): Promise<TrialRecord | null>;
  list(experimentId: string, filter: TrialFilter, order: TrialOrder, page: PageRequest): Promise<Page<TrialRecord>>;
  /**
   * Trials of one stage (SEARCH unless named) in sequence order with the given statuses.
   * Every method below that takes no stage reads the SEARCH stage only: finalists are
   * none of the search's business (src/core/trials/trial-stage.ts).
   */
  listByStatus(experimentId: string, statuses: readonly TrialStatus[], limit?: number, stage?: TrialStage): Promise<TrialRecord[]>;
  tally(experimentId: string, stage?: TrialStage): Promise<TrialTally>;
  /** The tallies of several experiments in one query; every id asked for is in the map (all zero without trials). */
  tallies(experimentIds: readonly string[], stage?: TrialStage): Promise<Map<string, TrialTally>>;
  /** The trials with these ids that exist, in no particular order. */
  findByIds(ids: readonly string[]): Promise<TrialRecord[]>;
  /** Best finished evaluations by reward (highest first for MAXIMIZE), ties by sequence; answered duplicates are not listed. */
  best(experimentId: string, direction: 'MAXIMIZE' | 'MINIMIZE', limit: number): Promise<TrialRecord[]>;
  /** `best` for several experiments in one query, each in its own direction; every id asked for is in the map. */
  bestOfEach(experiments: readonly BestRequest[], limit: number): Promise<Map<string, TrialRecord[]>>;
  /**
   * The rewards of the first `limit` finished evaluations (SUCCEEDED or PRUNED, with a
   * reward, not an answered duplicate) of each experiment, in sequence order: what a
   * best-so-far curve is drawn from. Every id asked for is in the map.
   */
  rewardCurves(experimentIds: readonly string[], limit: number): Promise<Map<string, RewardPoint[]>>;
  update(id: string, patch: Patch<Omit<TrialRecord, 'id' | 'experimentId' | 'sequence' | 'createdAt'>>): Promise<void>;
  /** For each fingerprint, the first evaluated (non-duplicate) trial with it, in any state. */
  findByFingerprints(experimentId: string, fingerprints: readonly string[]): Promise<Map<string, TrialRecord>>;
  /** Locks the oldest PENDING evaluation of the stage that no other transaction has locked (SKIP LOCKED). */
  lockNextPending(experimentId: string, stage?: TrialStage): Promise<TrialRecord | null>;
  /** RUNNING trials of the stage whose lease ended before `now`. */
  listExpiredLeases(experimentId: string, now: Date, stage?: TrialStage): Promise<TrialRecord[]>;
  /** Finished trials whose result the strategy has not consumed yet, in sequence order; the first `limit` when given. */
  listUnobserved(experimentId: string, limit?: number): Promise<TrialRecord[]>;
  markObserved(ids: readonly string[], at: Date): Promise<void>;
}

export interface TrialMetricRepository {
  /** Idempotent on (trial, name, step): a repeated report overwrites the value. */
  upsert(record: TrialMetricRecord): Promise<TrialMetricRecord>;
  list(trialId: string, name?: string | null): Promise<TrialMetricRecord[]>;
  /** `list` for several trials in one query; every id asked for is in the map. */
  listForTrials(trialIds: readonly string[], name?: string | null): Promise<Map<string, TrialMetricRecord[]>>;
  /** Values of `name` at `step` over the experiment's search trials (but `exceptTrialId`), for the early-stopping rules. */
  valuesAtStep(experimentId: string, name: string, step: number, trialStatuses: readonly TrialStatus[], exceptTrialId?: string): Promise<number[]>;
}

export interface EventLogRepository {
  /** The experiment's events with ids after `afterId`, oldest first: what a resuming subscriber missed. */
  listAfter(experimentId: string, afterId: number, limit: number): Promise<DomainEvent[]>;
  find(experimentId: string, id: number): Promise<DomainEvent | null>;
  /** The id of the experiment's latest event; 0 before its first. */
  lastId(experimentId: string): Promise<number>;
  /** `lastId` for several experiments in one query; every id asked for is in the map. */
  lastIds(experimentIds: readonly string[]): Promise<Map<string, number>>;
}

export interface ApiKeyRepository {
  insert(record: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** Newest first, revoked ones included. */
  list(page: PageRequest): Promise<Page<ApiKeyRecord>>;
  update(id: string, patch: Patch<Pick<ApiKeyRecord, 'lastUsedAt' | 'revokedAt'>>): Promise<void>;
  /** Keys that are neither revoked nor expired at `now`. */
  countUsable(now: Date): Promise<number>;
}

export interface AuditFilter {
  readonly principalId?: string | null;
  readonly operation?: string | null;
}

export interface AuditRepository {
  insert(record: AuditRecord): Promise<void>;
  /** Newest first. */
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
}

export interface WorkerFilter {
  /** Only workers whose key is scoped to this project; null or absent for all. */
  readonly project?: string | null;
  /** Only workers whose registration has not expired by then; null or absent for all, gone ones included. */
  readonly aliveAt?: Date | null;
}

export interface WorkerRepository {
  /** Inserts the worker, or renews the registration with its id: everything but `registeredAt` is replaced. */
  upsert(record: WorkerRecord): Promise<void>;
  findById(id: string): Promise<WorkerRecord | null>;
  /** Oldest registration first. */
  list(filter: WorkerFilter, page: PageRequest): Promise<Page<WorkerRecord>>;
  /** The RUNNING trials each of the workers holds (trials record a worker's id as their holder). */
  runningTrials(workerIds: readonly string[]): Promise<Map<string, TrialRecord[]>>;
  delete(id: string): Promise<boolean>;
  /** Forgets workers whose registration expired before `before`; returns how many. */
  deleteExpired(before: Date): Promise<number>;
}

export interface FinalizationRepository {
  /** Inserts the experiment's finalization or replaces it with a new round. */
  save(record: FinalizationRecord): Promise<void>;
  findById(experimentId: string, options?: { forUpdate?: boolean }): Promise<FinalizationRecord | null>;
  update(experimentId: string, patch: Patch<Pick<FinalizationRecord, 'status' | 'error' | 'updatedAt' | 'finishedAt'>>): Promise<void>;
  listIdsByStatus(statuses: readonly FinalizationStatus[]): Promise<string[]>;
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
