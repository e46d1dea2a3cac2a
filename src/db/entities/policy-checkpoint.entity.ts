import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ControllerStats, PolicyCheckpointRecord } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'policy_checkpoint' })
export class PolicyCheckpointEntity implements PolicyCheckpointRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'experiment_id', type: 'uuid' }) experimentId!: string;
  @Column({ type: 'integer' }) step!: number;
  @Column({ type: 'jsonb' }) state!: unknown;
  @Column({ type: 'jsonb' }) stats!: ControllerStats;
  @Column({ name: 'observed_trial_ids', type: 'uuid', array: true }) observedTrialIds!: string[];
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
}
