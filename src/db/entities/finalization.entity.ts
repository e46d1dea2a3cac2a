import { Column, Entity, PrimaryColumn } from 'typeorm';
import { FinalizationStatus } from '../../core/finalization/finalization-status.js';
import type { FinalizationRecord, FinalizationSpec } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'finalization' })
export class FinalizationEntity implements FinalizationRecord {
  @PrimaryColumn({ name: 'experiment_id', type: 'uuid' }) experimentId!: string;
  @Column({ type: 'integer' }) round!: number;
  @Column({ type: 'enum', enum: FinalizationStatus, enumName: 'finalization_status' }) status!: FinalizationStatus;
  @Column({ type: 'jsonb' }) spec!: FinalizationSpec;
  @Column({ type: 'text', nullable: true }) error!: string | null;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
  @Column({ name: 'updated_at', ...TIMESTAMP }) updatedAt!: Date;
  @Column({ name: 'finished_at', ...TIMESTAMP, nullable: true }) finishedAt!: Date | null;
}
