/** One problem in an evaluator config, located by a dotted path such as `constraints.0.target`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** All problems of a config at once, so a user fixes them in one round trip. */
export class EvaluatorConfigError extends Error {
  constructor(
    readonly evaluatorType: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`invalid ${evaluatorType} config: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'EvaluatorConfigError';
  }
}

/** A trial stopped because its AbortSignal fired; named like the DOM's so callers can test `err.name`. */
export class TrialAbortedError extends Error {
  constructor(message = 'trial aborted') {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * The worker thread running a trial died (native crash, out of memory, process.exit).
 * Retryable: the next attempt gets a fresh worker, and the crash may not repeat.
 */
export class WorkerCrashedError extends Error {
  readonly retryable = true;
  constructor(message: string) {
    super(message);
    this.name = 'WorkerCrashedError';
  }
}
