import { GraphnasError, IssueList, type Issue } from '../errors/index.js';

/** A problem with a definition or an action sequence; `path` is a JSON pointer into the document. */
export type SpaceError = Issue;

/**
 * Collects errors while validating: validation keeps going after an error so that a user
 * sees every mistake at once (the root IssueList, with its cap).
 */
export class Issues extends IssueList {
  get errors(): readonly SpaceError[] {
    return this.issues;
  }

  get count(): number {
    return this.issues.length;
  }
}

/** Thrown inside compilation when a limit is crossed mid-way; caught by `compileSpace`. */
export class LimitExceeded extends GraphnasError {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('BAD_USER_INPUT', message, { issues: [{ path, message }] });
  }
}
