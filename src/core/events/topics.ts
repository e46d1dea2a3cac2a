import type { ExperimentRecord, PolicyCheckpointRecord, TrialMetricRecord, TrialRecord } from '../storage/records.js';

/**
 * Every event a subscriber can receive. The wire contract (which subscription delivers
 * which topic, filtered how) is written down in docs/subscriptions.md.
 *
 * `key` routes an event to the subscriptions that asked for it: the experiment id for
 * every topic, so that one experiment's watchers never see another's traffic.
 */
export enum Topic {
  ExperimentUpdated = 'EXPERIMENT_UPDATED',
  TrialUpdated = 'TRIAL_UPDATED',
  TrialMetricReported = 'TRIAL_METRIC_REPORTED',
  PolicyUpdated = 'POLICY_UPDATED',
}

/** An experiment's row with the trial counts a dashboard shows next to it. */
export type PolicyUpdate = Omit<PolicyCheckpointRecord, 'state'>;

export interface TopicPayloads {
  [Topic.ExperimentUpdated]: ExperimentRecord;
  [Topic.TrialUpdated]: TrialRecord;
  [Topic.TrialMetricReported]: TrialMetricRecord;
  [Topic.PolicyUpdated]: PolicyUpdate;
}

export type DomainEvent = {
  [T in Topic]: { readonly topic: T; readonly key: string; readonly payload: TopicPayloads[T] };
}[Topic];

export function event<T extends Topic>(topic: T, key: string, payload: TopicPayloads[T]): DomainEvent {
  return { topic, key, payload } as DomainEvent;
}
