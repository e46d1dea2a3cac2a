import { GraphnasError, InvalidInputError, type Issue } from '../../errors/index.js';

/** One problem in an evaluator config, located by a dotted path such as `constraints.0.target`. */
export type ConfigIssue = Issue;

/** All problems of a config at once, so a user fixes them in one round trip; paths are relative to the options. */
export class EvaluatorConfigError extends InvalidInputError {
  constructor(
    readonly evaluatorType: string,
    issues: readonly ConfigIssue[],
  ) {
    super(`invalid ${evaluatorType} config`, issues);
  }
}

/** A trial stopped because its AbortSignal fired; named like the DOM's so callers can test `err.name`. */
export class TrialAbortedError extends GraphnasError {
  constructor(message = 'trial aborted') {
    super('CONFLICT', message);
    this.name = 'AbortError';
  }
}

/**
 * The worker thread running a trial died (native crash, out of memory, process.exit).
 * Retryable: the next attempt gets a fresh worker, and the crash may not repeat.
 */
export class WorkerCrashedError extends GraphnasError {
  constructor(message: string) {
    super('UNAVAILABLE', message, { retryable: true });
  }
}
