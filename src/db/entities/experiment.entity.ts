import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EndReason, ExperimentStatus } from '../../core/experiments/experiment-status.js';
import type {
  Budget,
  Constraints,
  EarlyStoppingSpec,
  EvaluatorSpec,
  ExperimentRecord,
  Objective,
  StrategySpec,
} from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'experiment' })
export class ExperimentEntity implements ExperimentRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 100 }) project!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ name: 'search_space_id', type: 'uuid' }) searchSpaceId!: string;
  @Column({ type: 'jsonb' }) strategy!: StrategySpec;
  @Column({ type: 'jsonb' }) evaluator!: EvaluatorSpec;
  @Column({ type: 'jsonb' }) objective!: Objective;
  @Column({ type: 'jsonb' }) constraints!: Constraints;
  @Column({ type: 'jsonb' }) budget!: Budget;
  @Column({ type: 'integer' }) seed!: number;
  @Column({ name: 'early_stopping', type: 'jsonb', nullable: true }) earlyStopping!: EarlyStoppingSpec | null;
  @Column({ type: 'enum', enum: ExperimentStatus, enumName: 'experiment_status' }) status!: ExperimentStatus;
  @Column({ name: 'end_reason', type: 'enum', enum: EndReason, enumName: 'experiment_end_reason', nullable: true })
  endReason!: EndReason | null;
  @Column({ name: 'best_trial_id', type: 'uuid', nullable: true }) bestTrialId!: string | null;
  @Column({ name: 'trial_sequence', type: 'integer' }) trialSequence!: number;
  @Column({ name: 'consecutive_duplicates', type: 'integer' }) consecutiveDuplicates!: number;
  @Column({ name: 'scheduler_owner', type: 'varchar', length: 200, nullable: true }) schedulerOwner!: string | null;
  @Column({ name: 'scheduler_lease_until', ...TIMESTAMP, nullable: true }) schedulerLeaseUntil!: Date | null;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
  @Column({ name: 'updated_at', ...TIMESTAMP }) updatedAt!: Date;
  @Column({ name: 'started_at', ...TIMESTAMP, nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', ...TIMESTAMP, nullable: true }) finishedAt!: Date | null;
}
