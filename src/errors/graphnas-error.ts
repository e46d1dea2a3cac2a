/**
 * The one error vocabulary of graphnas, as Optuna's `exceptions.py` has one root. Every
 * layer raises a `GraphnasError` (or a subclass named for its layer) carrying a stable
 * `code` and, for bad input, every offending place as an `Issue`; the GraphQL layer maps
 * it once (src/graphql/errors.ts). Anything that is not a GraphnasError is a bug or an
 * outage and reaches clients only as an internal error.
 *
 * It sits below every layer (like src/random) so that the ML code can use it without
 * knowing of GraphQL or storage.
 */

/**
 * `BAD_USER_INPUT`: the input is wrong and nothing changed. `NOT_FOUND`: an id names
 * nothing (or nothing the caller may see). `CONFLICT`: valid input, wrong state.
 * `LEASE_LOST`: a worker reports on a trial it does not hold. `UNAUTHENTICATED`: no
 * valid credentials. `FORBIDDEN`: valid credentials, not enough rights. `RATE_LIMITED`:
 * too many requests, try again later. `UNAVAILABLE`: transient, try again. `INTERNAL`: a
 * bug or corrupt state; its message stays in the server log.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LEASE_LOST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** One precise problem: where (`input.budget.maxTrials`, `input.definition/cell/ops`) and what. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

export interface GraphnasErrorOptions {
  readonly issues?: readonly Issue[];
  /** Machine-readable facts a client can act on (`status`, `entity`, …); sent as extensions. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** Whether repeating the same work may succeed (a crashed worker thread, a lost device). */
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class GraphnasError extends Error {
  readonly issues: readonly Issue[];
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GraphnasErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.issues = options.issues ?? [];
    this.details = options.details ?? {};
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Places an issue found inside a sub-document under the path of that document. Paths are
 * dotted (`budget.maxTrials`), indexed (`extraColumns[0]`) or JSON pointers into a
 * definition (`/cell/ops`); an empty path is the document itself.
 */
export function joinPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return path.startsWith('/') || path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

export function prefixIssues(prefix: string, issues: readonly Issue[]): Issue[] {
  return issues.map((i) => ({ path: joinPath(prefix, i.path), message: i.message }));
}

function summarize(summary: string, issues: readonly Issue[]): string {
  const first = issues[0];
  if (first === undefined) return summary;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${summary}: ${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
}

/** Bad input, with every problem at once so that a user fixes them in one round trip. */
export class InvalidInputError extends GraphnasError {
  constructor(summary: string, issues: readonly Issue[], options: Omit<GraphnasErrorOptions, 'issues'> = {}) {
    super('BAD_USER_INPUT', summarize(summary, issues), { ...options, issues });
  }

  static field(path: string, message: string): InvalidInputError {
    return new InvalidInputError('invalid input', [{ path, message }]);
  }

  /** The same problems, located under `prefix` (e.g. the option object's place in the input). */
  under(prefix: string, summary = 'invalid input'): InvalidInputError {
    return new InvalidInputError(summary, prefixIssues(prefix, this.issues), { details: this.details, cause: this });
  }
}

/**
 * Collects issues while a validator keeps going, so that it reports all of them; stops
 * collecting at a cap so a document full of mistakes cannot make an unbounded list.
 */
export class IssueList {
  static readonly CAP = 100;
  private readonly list: Issue[] = [];

  add(path: string, message: string): void {
    if (this.list.length < IssueList.CAP) this.list.push({ path, message });
  }

  addAll(issues: readonly Issue[], prefix = ''): void {
    for (const i of issues) this.add(joinPath(prefix, i.path), i.message);
  }

  get issues(): readonly Issue[] {
    return this.list;
  }

  get isEmpty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(summary: string): void {
    if (this.list.length > 0) throw new InvalidInputError(summary, [...this.list]);
  }
}
