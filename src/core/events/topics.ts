import type { ExperimentRecord, FinalizationRecord, PolicyCheckpointRecord, TrialMetricRecord, TrialRecord } from '../storage/records.js';
import type { TrialStage } from '../trials/trial-stage.js';

/**
 * Every event a subscriber can receive. The wire contract (which subscription delivers
 * which topic, filtered how, with which guarantees) is written down in
 * docs/subscriptions.md.
 *
 * Every topic is keyed by an experiment: `key` routes an event to the subscriptions that
 * asked for that experiment, and `id` numbers the experiment's events 1, 2, 3, … without
 * gaps, in commit order.
 */
export enum Topic {
  ExperimentUpdated = 'EXPERIMENT_UPDATED',
  TrialUpdated = 'TRIAL_UPDATED',
  TrialMetricReported = 'TRIAL_METRIC_REPORTED',
  PolicyUpdated = 'POLICY_UPDATED',
  FinalizationUpdated = 'FINALIZATION_UPDATED',
}

/** A policy checkpoint without its (large) strategy state: what charts need. */
export type PolicyUpdate = Omit<PolicyCheckpointRecord, 'state'>;

export interface TopicPayloads {
  [Topic.ExperimentUpdated]: ExperimentRecord;
  [Topic.TrialUpdated]: TrialRecord;
  [Topic.TrialMetricReported]: ReportedMetric;
  [Topic.PolicyUpdated]: PolicyUpdate;
  [Topic.FinalizationUpdated]: FinalizationRecord;
}

/** A learning-curve point with the stage of its trial, so a chart can tell search curves from finalists' without a lookup. */
export type ReportedMetric = TrialMetricRecord & { readonly stage?: TrialStage };

/** An event as a transaction emits it; it gets its id when the transaction commits. */
export type NewEvent = {
  [T in Topic]: { readonly topic: T; readonly key: string; readonly payload: TopicPayloads[T] };
}[Topic];

/** An event as committed: stored in the experiment's event log with its gap-free id. */
export type DomainEvent = NewEvent & { readonly id: number };

export function event<T extends Topic>(topic: T, key: string, payload: TopicPayloads[T]): NewEvent {
  return { topic, key, payload } as NewEvent;
}
