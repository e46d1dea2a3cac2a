import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ROLES, type Role } from '../../core/access/access.js';
import type { ApiKeyRecord } from '../../core/storage/records.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'api_key' })
export class ApiKeyEntity implements ApiKeyRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 32 }) prefix!: string;
  @Column({ type: 'char', length: 64 }) hash!: string;
  @Column({ type: 'enum', enum: ROLES, enumName: 'access_role' }) role!: Role;
  @Column({ type: 'varchar', length: 100, nullable: true }) project!: string | null;
  @Column({ name: 'expires_at', ...TIMESTAMP, nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'last_used_at', ...TIMESTAMP, nullable: true }) lastUsedAt!: Date | null;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
  @Column({ name: 'created_by', type: 'varchar', length: 200 }) createdBy!: string;
  @Column({ name: 'revoked_at', ...TIMESTAMP, nullable: true }) revokedAt!: Date | null;
}
