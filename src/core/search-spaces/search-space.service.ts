import { randomUUID } from 'node:crypto';
import { compileSpace, importNni, type CompiledSpace } from '../../space/index.js';
import { DEFAULT_PROJECT, inScope, isProjectName, type ProjectScope } from '../access/access.js';
import { InvalidInputError, ConflictError, NotFoundError, assertId, type Issue } from '../errors.js';
import type { Page, PageRequest } from '../storage/pagination.js';
import type { SearchSpaceRecord } from '../storage/records.js';
import type { SearchSpaceFilter, Storage } from '../storage/storage.js';

export type SpaceFormat = 'GRAPHNAS' | 'NNI';

export interface SpaceValidation {
  readonly valid: boolean;
  readonly errors: readonly Issue[];
  readonly kind: string | null;
  readonly decisionCount: number | null;
  readonly cardinality: string | null;
}

export const MAX_NAME_LENGTH = 200;

/**
 * The project a new space goes into: the one asked for, else the caller's own, else
 * `default`. A caller scoped to one project cannot create in another.
 */
export function projectFor(path: string, asked: string | null | undefined, scope: ProjectScope): string {
  const project = asked ?? scope ?? DEFAULT_PROJECT;
  if (!isProjectName(project)) throw InvalidInputError.field(path, 'must be a lower-case name of letters, digits, ".", "_" or "-" (at most 100)');
  if (!inScope(scope, project)) throw InvalidInputError.field(path, `this key may only create in project "${scope}"`);
  return project;
}

export function checkName(path: string, name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) {
    throw InvalidInputError.field(path, `must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return trimmed;
}

/**
 * Search spaces: validated and compiled when created, immutable afterwards except for
 * their name (trials index into the decision list, so a changed definition would silently
 * change what every stored action sequence means; create a new space instead).
 */
export class SearchSpaceService {
  private readonly compiled = new Map<string, CompiledSpace>();

  constructor(
    private readonly storage: Storage,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private compile(definition: unknown, format: SpaceFormat): ReturnType<typeof compileSpace> {
    return format === 'NNI' ? importNni(definition) : compileSpace(definition);
  }

  validate(definition: unknown, format: SpaceFormat = 'GRAPHNAS'): SpaceValidation {
    const result = this.compile(definition, format);
    if (!result.ok) return { valid: false, errors: result.errors, kind: null, decisionCount: null, cardinality: null };
    const { space } = result;
    return { valid: true, errors: [], kind: space.kind, decisionCount: space.decisions.length, cardinality: space.cardinality.toString() };
  }

  async create(input: { name: string; definition: unknown; format?: SpaceFormat | null; project?: string | null }, scope: ProjectScope): Promise<SearchSpaceRecord> {
    const name = checkName('input.name', input.name);
    const project = projectFor('input.project', input.project, scope);
    const result = this.compile(input.definition, input.format ?? 'GRAPHNAS');
    if (!result.ok) {
      const fields = result.errors.map((e) => ({ path: `input.definition${e.path}`, message: e.message }));
      throw new InvalidInputError(`invalid search space: ${fields[0]?.path}: ${fields[0]?.message}`, fields);
    }
    const { space } = result;
    const at = this.now();
    const record: SearchSpaceRecord = {
      id: randomUUID(),
      project,
      name,
      kind: space.kind,
      definition: space.definition,
      decisions: space.decisions,
      decisionCount: space.decisions.length,
      cardinality: space.cardinality.toString(),
      createdAt: at,
      updatedAt: at,
    };
    await this.storage.searchSpaces.insert(record);
    this.compiled.set(record.id, space);
    return record;
  }

  /** A space outside the scope is NOT_FOUND, exactly like one that does not exist. */
  async get(id: string, scope: ProjectScope): Promise<SearchSpaceRecord> {
    assertId('id', id);
    const record = await this.storage.searchSpaces.findById(id);
    if (record === null || !inScope(scope, record.project)) throw new NotFoundError('search space', id);
    return record;
  }

  /** `get` for several (id, scope) pairs in one query: each answers its space, or the NOT_FOUND `get` would throw. */
  async getMany(requests: readonly { readonly id: string; readonly scope: ProjectScope }[]): Promise<(SearchSpaceRecord | NotFoundError)[]> {
    const found = new Map((await this.storage.searchSpaces.findByIds(requests.map((r) => r.id))).map((s) => [s.id, s]));
    return requests.map(({ id, scope }) => {
      const record = found.get(id);
      return record !== undefined && inScope(scope, record.project) ? record : new NotFoundError('search space', id);
    });
  }

  list(filter: SearchSpaceFilter, page: PageRequest, scope: ProjectScope): Promise<Page<SearchSpaceRecord>> {
    if (scope !== null && filter.project && filter.project !== scope) return Promise.resolve({ items: [], hasNextPage: false, hasPreviousPage: false, totalCount: 0 });
    return this.storage.searchSpaces.list({ ...filter, project: scope ?? filter.project ?? null }, page);
  }

  /** The compiled form, from the stored definition; cached, since spaces are immutable. */
  async compiledSpace(id: string): Promise<CompiledSpace> {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    const record = await this.get(id, null);
    const result = compileSpace(record.definition);
    if (!result.ok) throw new Error(`stored search space ${id} no longer compiles: ${result.errors[0]?.message}`);
    this.compiled.set(id, result.space);
    return result.space;
  }

  async rename(id: string, name: string, scope: ProjectScope): Promise<SearchSpaceRecord> {
    assertId('id', id);
    const trimmed = checkName('name', name);
    return this.storage.transaction(async (tx) => {
      const record = await tx.searchSpaces.findById(id);
      if (record === null || !inScope(scope, record.project)) throw new NotFoundError('search space', id);
      const updatedAt = this.now();
      await tx.searchSpaces.update(id, { name: trimmed, updatedAt });
      return { ...record, name: trimmed, updatedAt };
    });
  }

  async delete(id: string, scope: ProjectScope): Promise<void> {
    assertId('id', id);
    await this.storage.transaction(async (tx) => {
      const record = await tx.searchSpaces.findById(id);
      if (record === null || !inScope(scope, record.project)) throw new NotFoundError('search space', id);
      const used = await tx.experiments.countBySearchSpace(id);
      if (used > 0) {
        throw new ConflictError(`search space ${id} is used by ${used} experiment(s); delete them first`, { experiments: used });
      }
      await tx.searchSpaces.delete(id);
    });
    this.compiled.delete(id);
  }
}
