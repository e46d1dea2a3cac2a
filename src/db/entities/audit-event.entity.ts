import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ROLES, type PrincipalKind, type Role } from '../../core/access/access.js';
import type { AuditRecord } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'audit_event' })
export class AuditEventEntity implements AuditRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ ...TIMESTAMP }) at!: Date;
  @Column({ name: 'principal_kind', type: 'varchar', length: 16 }) principalKind!: PrincipalKind;
  @Column({ name: 'principal_id', type: 'varchar', length: 200 }) principalId!: string;
  @Column({ name: 'principal_name', type: 'varchar', length: 200 }) principalName!: string;
  @Column({ type: 'enum', enum: ROLES, enumName: 'access_role' }) role!: Role;
  @Column({ type: 'varchar', length: 100 }) operation!: string;
  @Column({ type: 'varchar', length: 200, nullable: true }) target!: string | null;
  @Column({ type: 'varchar', length: 32 }) outcome!: string;
  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true }) requestId!: string | null;
  @Column({ type: 'varchar', length: 16 }) transport!: 'http' | 'websocket';
}
