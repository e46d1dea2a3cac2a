import type { ProjectScope } from '../access/access.js';
import { IssueList } from '../errors.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { TrialRecord, WorkerRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { checkLease, checkWorkerId } from '../trials/trial-claims.js';

/** What a worker says about itself when it registers (and again with every heartbeat). */
export interface WorkerAnnouncement {
  readonly host: string;
  readonly backend: string;
  readonly adapter?: string | null;
  readonly cores: number;
  readonly gpu?: string | null;
  readonly datasets: readonly string[];
  readonly concurrency: number;
}

/** Who registers: the identity its trials record, the name it gave, and its key's project. */
export interface WorkerIdentity {
  readonly id: string;
  readonly name: string;
  readonly project: ProjectScope;
}

export interface WorkerView extends WorkerRecord {
  /** The trials it holds now (RUNNING under its lease). */
  readonly currentTrials: readonly TrialRecord[];
}

/** Gone workers stay listed (with `includeGone`) this long after their registration expired, then are forgotten. */
export const GONE_WORKERS_KEPT_MS = 24 * 3600 * 1000;
export const MAX_DATASETS = 50;
export const MAX_CONCURRENCY = 256;

/**
 * The registry of `graphnas worker` processes. A worker registers at start and renews the
 * registration as its heartbeat; one that stops renewing (killed, cut off) counts as gone
 * once its registration lease runs out, and its trials go back to the queue by their own
 * leases, which the scheduler reclaims; nothing here decides about trials. A stopping
 * worker unregisters. Workers are stateless: the registry is for people and autoscalers
 * to see the fleet, not something a worker needs to read.
 */
export class WorkerService {
  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async register(identity: WorkerIdentity, announced: WorkerAnnouncement, leaseSeconds: number): Promise<WorkerView> {
    checkLease(leaseSeconds);
    const errors = new IssueList();
    const text = (path: string, value: string | null | undefined, max: number, required: boolean): string | null => {
      const trimmed = value?.trim() ?? '';
      if (trimmed.length > max || (required && trimmed.length === 0)) errors.add(path, `must be ${required ? 1 : 0} to ${max} characters`);
      return trimmed === '' ? null : trimmed.slice(0, max);
    };
    if (identity.name.length === 0 || identity.name.length > 200) errors.add('input.name', 'must be 1 to 200 characters');
    const host = text('input.host', announced.host, 255, true);
    const backend = text('input.backend', announced.backend, 64, true);
    const adapter = text('input.adapter', announced.adapter, 500, false);
    const gpu = text('input.gpu', announced.gpu, 500, false);
    if (!Number.isInteger(announced.cores) || announced.cores < 1 || announced.cores > 100_000) errors.add('input.cores', 'must be a positive integer');
    if (!Number.isInteger(announced.concurrency) || announced.concurrency < 1 || announced.concurrency > MAX_CONCURRENCY) {
      errors.add('input.concurrency', `must be an integer from 1 to ${MAX_CONCURRENCY}`);
    }
    if (announced.datasets.length > MAX_DATASETS) errors.add('input.datasets', `at most ${MAX_DATASETS}`);
    announced.datasets.forEach((d, i) => text(`input.datasets[${i}]`, d, 100, true));
    errors.throwIfAny('invalid worker registration');

    const now = this.now();
    const record: WorkerRecord = {
      id: identity.id,
      name: identity.name,
      project: identity.project,
      host: host!,
      backend: backend!,
      adapter,
      cores: announced.cores,
      gpu,
      datasets: [...new Set(announced.datasets.map((d) => d.trim()))],
      concurrency: announced.concurrency,
      registeredAt: now,
      lastHeartbeatAt: now,
      expiresAt: new Date(now.getTime() + leaseSeconds * 1000),
    };
    await this.storage.workers.upsert(record);
    // Disposable workers come and go (a Kubernetes Deployment's pods); their rows would pile up.
    await this.storage.workers.deleteExpired(new Date(now.getTime() - GONE_WORKERS_KEPT_MS));
    const stored = (await this.storage.workers.findById(record.id)) ?? record;
    return { ...stored, currentTrials: (await this.storage.workers.runningTrials([stored.id])).get(stored.id) ?? [] };
  }

  /** A stopping worker leaves the registry at once rather than when its lease runs out. */
  unregister(identity: Pick<WorkerIdentity, 'id' | 'name'>): Promise<boolean> {
    checkWorkerId(identity.name);
    return this.storage.workers.delete(identity.id);
  }

  /** Alive workers (or all, `includeGone`), oldest registration first; a scoped caller sees its project's only. */
  async list(includeGone: boolean, page: PageRequest, scope: ProjectScope): Promise<Page<WorkerView>> {
    const found = await this.storage.workers.list({ project: scope, aliveAt: includeGone ? null : this.now() }, page);
    const held = await this.storage.workers.runningTrials(found.items.map((i) => i.node.id));
    return { ...found, items: found.items.map(({ cursor, node }) => ({ cursor, node: { ...node, currentTrials: held.get(node.id) ?? [] } })) };
  }
}
