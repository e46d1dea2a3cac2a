import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TrialMetricRecord } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'trial_metric' })
export class TrialMetricEntity implements TrialMetricRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'trial_id', type: 'uuid' }) trialId!: string;
  @Column({ name: 'experiment_id', type: 'uuid' }) experimentId!: string;
  @Column({ type: 'integer' }) step!: number;
  @Column({ type: 'varchar', length: 100 }) name!: string;
  @Column({ type: 'double precision' }) value!: number;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
}
