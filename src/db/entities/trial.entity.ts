import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FinalTrialSpec, TrialArtifact, TrialRecord, TrialRuntime } from '../../core/storage/records.js';
import { TrialStage } from '../../core/trials/trial-stage.js';
import { TrialStatus } from '../../core/trials/trial-status.js';
import type { Architecture } from '../../space/types.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'trial' })
export class TrialEntity implements TrialRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'experiment_id', type: 'uuid' }) experimentId!: string;
  @Column({ type: 'integer' }) sequence!: number;
  @Column({ type: 'integer', array: true }) actions!: number[];
  @Column({ type: 'jsonb' }) architecture!: Architecture;
  @Column({ type: 'text' }) label!: string;
  @Column({ type: 'varchar', length: 64 }) fingerprint!: string;
  @Column({ name: 'policy_version', type: 'integer' }) policyVersion!: number;
  @Column({ name: 'log_prob', type: 'double precision' }) logProb!: number;
  @Column({ type: 'enum', enum: TrialStatus, enumName: 'trial_status' }) status!: TrialStatus;
  @Column({ type: 'double precision', nullable: true }) reward!: number | null;
  @Column({ name: 'final_metrics', type: 'jsonb' }) finalMetrics!: Record<string, number>;
  @Column({ type: 'double precision', nullable: true }) params!: number | null;
  @Column({ type: 'double precision', nullable: true }) flops!: number | null;
  @Column({ name: 'latency_ms', type: 'double precision', nullable: true }) latencyMs!: number | null;
  @Column({ name: 'duplicate_of_id', type: 'uuid', nullable: true }) duplicateOfId!: string | null;
  @Column({ type: 'jsonb', nullable: true }) runtime!: TrialRuntime | null;
  @Column({ name: 'worker_id', type: 'varchar', length: 300, nullable: true }) workerId!: string | null;
  @Column({ type: 'integer' }) attempt!: number;
  @Column({ name: 'lease_expires_at', ...TIMESTAMP, nullable: true }) leaseExpiresAt!: Date | null;
  @Column({ name: 'lease_seconds', type: 'integer', nullable: true }) leaseSeconds!: number | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'observed_at', ...TIMESTAMP, nullable: true }) observedAt!: Date | null;
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true }) idempotencyKey!: string | null;
  @Column({ type: 'enum', enum: TrialStage, enumName: 'trial_stage', default: TrialStage.SEARCH }) stage!: TrialStage;
  @Column({ name: 'finalist_of', type: 'uuid', nullable: true }) finalistOf!: string | null;
  @Column({ type: 'jsonb', nullable: true }) final!: FinalTrialSpec | null;
  @Column({ type: 'jsonb', nullable: true }) artifact!: TrialArtifact | null;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
  @Column({ name: 'updated_at', ...TIMESTAMP }) updatedAt!: Date;
  @Column({ name: 'started_at', ...TIMESTAMP, nullable: true }) startedAt!: Date | null;
  @Column({ name: 'finished_at', ...TIMESTAMP, nullable: true }) finishedAt!: Date | null;
}
