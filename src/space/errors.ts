/** A problem with a definition or an action sequence; `path` is a JSON pointer into the document. */
export interface SpaceError {
  readonly path: string;
  readonly message: string;
}

/**
 * Collects errors while validating. Validation keeps going after an error so that a user
 * sees every mistake at once, but stops collecting at a cap so a document full of
 * mistakes cannot produce an unbounded list.
 */
export class Issues {
  readonly errors: SpaceError[] = [];
  static readonly CAP = 100;

  add(path: string, message: string): void {
    if (this.errors.length < Issues.CAP) this.errors.push({ path, message });
  }

  get count(): number {
    return this.errors.length;
  }
}

/** Thrown inside compilation when a limit is crossed mid-way; caught by `compileSpace`. */
export class LimitExceeded extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}
