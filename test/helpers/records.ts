import { randomUUID } from 'node:crypto';
import { ExperimentStatus } from '../../src/core/experiments/experiment-status.js';
import type { ExperimentRecord, SearchSpaceRecord, TrialRecord } from '../../src/core/storage/records.js';
import { TrialStage } from '../../src/core/trials/trial-stage.js';
import { TrialStatus } from '../../src/core/trials/trial-status.js';

/** Valid rows with every field set, for storage tests that bypass the services. */
export function searchSpaceRecord(overrides: Partial<SearchSpaceRecord> = {}): SearchSpaceRecord {
  const at = new Date();
  return {
    id: randomUUID(),
    project: 'default',
    name: 'space',
    kind: 'cell',
    definition: { cell: { nodes: 4 } },
    decisions: [{ index: 0, id: 'edge.1.0', name: 'op', choices: ['none', 'skip_connect'] }],
    decisionCount: 1,
    cardinality: '123456789012345678901234567890',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function experimentRecord(searchSpaceId: string, overrides: Partial<ExperimentRecord> = {}): ExperimentRecord {
  const at = new Date();
  return {
    id: randomUUID(),
    project: 'default',
    name: 'experiment',
    description: null,
    searchSpaceId,
    strategy: { type: 'random', hyperparameters: {} },
    evaluator: { type: 'tabular', options: {} },
    objective: { metric: 'reward', direction: 'MAXIMIZE', goal: null },
    constraints: { maxParams: null, maxFlops: null, maxLatencyMs: null },
    budget: { maxTrials: 10, parallelTrials: 2, maxFailedTrials: 10, maxDurationSeconds: null, maxRetries: 2, maxConsecutiveDuplicates: 100 },
    seed: 7,
    earlyStopping: null,
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
    ...overrides,
  };
}

export function trialRecord(experimentId: string, sequence: number, overrides: Partial<TrialRecord> = {}): TrialRecord {
  const at = new Date();
  return {
    id: randomUUID(),
    experimentId,
    sequence,
    actions: [sequence % 2, -1],
    architecture: { kind: 'cell', nodes: 2, edges: [{ from: 0, to: 1, op: 'none' }], skeleton: { stemChannels: 16, channels: [16], cellsPerStack: 1 }, hyperparameters: {} },
    label: `cell-${sequence}`,
    fingerprint: `fp-${sequence}`,
    policyVersion: 0,
    logProb: -1.5,
    status: TrialStatus.PENDING,
    reward: null,
    finalMetrics: {},
    params: null,
    flops: null,
    latencyMs: null,
    duplicateOfId: null,
    runtime: null,
    workerId: null,
    attempt: 0,
    leaseExpiresAt: null,
    leaseSeconds: null,
    error: null,
    observedAt: null,
    idempotencyKey: null,
    stage: TrialStage.SEARCH,
    finalistOf: null,
    final: null,
    artifact: null,
    createdAt: at,
    updatedAt: at,
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}
