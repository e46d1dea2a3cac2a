import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SearchSpaceRecord } from '../../core/storage/records.js';
import type { Decision, SpaceKind } from '../../space/types.js';
import { TIMESTAMP } from './columns.js';

@Entity({ name: 'search_space' })
export class SearchSpaceEntity implements SearchSpaceRecord {
  @PrimaryColumn('uuid') id!: string;
  @Column({ type: 'varchar', length: 100 }) project!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) kind!: SpaceKind;
  @Column({ type: 'jsonb' }) definition!: unknown;
  @Column({ type: 'jsonb' }) decisions!: Decision[];
  @Column({ name: 'decision_count', type: 'integer' }) decisionCount!: number;
  @Column({ type: 'numeric' }) cardinality!: string;
  @Column({ name: 'created_at', ...TIMESTAMP }) createdAt!: Date;
  @Column({ name: 'updated_at', ...TIMESTAMP }) updatedAt!: Date;
}
