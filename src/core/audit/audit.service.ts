import { randomUUID } from 'node:crypto';
import type { Principal } from '../access/access.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { AuditRecord } from '../storage/records.js';
import type { AuditFilter, Storage } from '../storage/storage.js';

export interface AuditEntry {
  readonly principal: Principal;
  readonly operation: string;
  readonly target: string | null;
  readonly outcome: string;
  readonly requestId: string | null;
  readonly transport: AuditRecord['transport'];
}

/** The audit trail: who ran which mutation on what, when, and how it ended. */
export class AuditService {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: AuditEntry): Promise<void> {
    const { principal, ...rest } = entry;
    await this.storage.audit.insert({
      id: randomUUID(),
      at: this.now(),
      principalKind: principal.kind,
      principalId: principal.id,
      principalName: principal.name.slice(0, 200),
      role: principal.role,
      ...rest,
      operation: rest.operation.slice(0, 100),
      target: rest.target?.slice(0, 200) ?? null,
    });
  }

  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    return this.storage.audit.list(filter, page);
  }
}
