import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { WorkerRecord } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'worker' })
export class WorkerEntity implements WorkerRecord {
  @PrimaryColumn({ type: 'varchar', length: 300 }) id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 100, nullable: true }) project!: string | null;
  @Column({ type: 'varchar', length: 255 }) host!: string;
  @Column({ type: 'varchar', length: 64 }) backend!: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) adapter!: string | null;
  @Column({ type: 'integer' }) cores!: number;
  @Column({ type: 'varchar', length: 500, nullable: true }) gpu!: string | null;
  @Column({ type: 'jsonb' }) datasets!: string[];
  @Column({ type: 'integer' }) concurrency!: number;
  @Column({ name: 'registered_at', ...TIMESTAMP }) registeredAt!: Date;
  @Column({ name: 'last_heartbeat_at', ...TIMESTAMP }) lastHeartbeatAt!: Date;
  @Column({ name: 'expires_at', ...TIMESTAMP }) expiresAt!: Date;
}
