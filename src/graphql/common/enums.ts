import { registerEnumType } from 'type-graphql';
import { EndReason, ExperimentStatus } from '../../core/experiments/experiment-status.js';
import { FinalizationStatus } from '../../core/finalization/finalization-status.js';
import { TrialStage } from '../../core/trials/trial-stage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';

export const SpaceKind = { LAYERS: 'layers', CELL: 'cell' } as const;
export const SpaceFormat = { GRAPHNAS: 'GRAPHNAS', NNI: 'NNI' } as const;
export const ObjectiveDirection = { MAXIMIZE: 'MAXIMIZE', MINIMIZE: 'MINIMIZE' } as const;
export const TrialOrder = {
  SEQUENCE_ASC: 'SEQUENCE_ASC',
  SEQUENCE_DESC: 'SEQUENCE_DESC',
  REWARD_DESC: 'REWARD_DESC',
  REWARD_ASC: 'REWARD_ASC',
  CREATED_AT_DESC: 'CREATED_AT_DESC',
} as const;

export const DuplicateFilter = { INCLUDE: 'INCLUDE', EXCLUDE: 'EXCLUDE', ONLY: 'ONLY' } as const;

registerEnumType(ExperimentStatus, { name: 'ExperimentStatus', description: 'CREATED → RUNNING ⇄ PAUSED → SUCCEEDED | FAILED | CANCELLED' });
registerEnumType(EndReason, { name: 'EndReason', description: 'Why an experiment ended.' });
registerEnumType(TrialStatus, {
  name: 'TrialStatus',
  description: 'PENDING → RUNNING → SUCCEEDED | FAILED | PRUNED | CANCELLED; RUNNING returns to PENDING when its lease expires with retries left.',
});
registerEnumType(TrialStage, {
  name: 'TrialStage',
  description: 'SEARCH: a proxy evaluation the strategy proposed and observed. FINAL: a finalist retrained at the final budget (finalizeExperiment); never seen by the strategy.',
});
registerEnumType(FinalizationStatus, { name: 'FinalizationStatus', description: 'RUNNING → SUCCEEDED | FAILED | CANCELLED' });
registerEnumType(SpaceKind, { name: 'SpaceKind', description: 'The shape of a search space definition.' });
registerEnumType(SpaceFormat, { name: 'SpaceFormat', description: 'GRAPHNAS: our own language; NNI: an NNI search-space JSON, converted.' });
registerEnumType(ObjectiveDirection, { name: 'ObjectiveDirection' });
registerEnumType(TrialOrder, { name: 'TrialOrder' });
registerEnumType(DuplicateFilter, {
  name: 'DuplicateFilter',
  description: 'Trials answered from an earlier trial with the same architecture (no evaluation, no budget): listed with the rest, left out, or alone.',
});
