/**
 * Where each value of a JSON text is, by JSON pointer, so that the search-space editor
 * can put a validation error (`/layers/types/2/filters`) on the characters it is about.
 * JSON.parse gives values but no positions, and its syntax errors differ by browser, so
 * this small parser also says where the text stops being JSON.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Located {
  /** Pointer → the span of its value ('' is the whole document). */
  readonly spans: ReadonlyMap<string, Span>;
  /** The first syntax error, or null when the text is JSON. */
  readonly syntaxError: { readonly message: string; readonly offset: number } | null;
}

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function locate(text: string): Located {
  const spans = new Map<string, Span>();
  let i = 0;
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i += 1;
  };
  const fail = (what: string): never => {
    throw new SyntaxProblem(i >= text.length ? `unexpected end of text, expected ${what}` : `unexpected ${JSON.stringify(text[i])}, expected ${what}`, i);
  };
  const string = (): string => {
    if (text[i] !== '"') fail('a string');
    const start = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('a closing quote');
    i += 1;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      throw new SyntaxProblem('invalid escape in a string', start);
    }
  };
  const value = (pointer: string): void => {
    space();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i += 1;
      space();
      if (text[i] === '}') i += 1;
      else {
        for (;;) {
          space();
          const key = string();
          space();
          if (text[i] !== ':') fail('":"');
          i += 1;
          value(`${pointer}/${escapePointer(key)}`);
          space();
          if (text[i] === ',') i += 1;
          else if (text[i] === '}') {
            i += 1;
            break;
          } else fail('"," or "}"');
        }
      }
    } else if (c === '[') {
      i += 1;
      space();
      if (text[i] === ']') i += 1;
      else {
        for (let index = 0; ; index += 1) {
          value(`${pointer}/${index}`);
          space();
          if (text[i] === ',') i += 1;
          else if (text[i] === ']') {
            i += 1;
            break;
          } else fail('"," or "]"');
        }
      }
    } else if (c === '"') string();
    else {
      const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
      if (literal === null) fail('a value');
      i += literal![0].length;
    }
    spans.set(pointer, { start, end: i });
  };
  try {
    value('');
    space();
    if (i < text.length) fail('the end of the text');
    return { spans, syntaxError: null };
  } catch (error) {
    if (error instanceof SyntaxProblem) return { spans, syntaxError: { message: error.message, offset: error.offset } };
    throw error;
  }
}

/** The span of the value at `pointer`, or of its nearest ancestor that exists (an error about a missing key lands on its object). */
export function spanOf(located: Located, pointer: string): Span | null {
  let p = pointer;
  for (;;) {
    const span = located.spans.get(p);
    if (span !== undefined) return span;
    if (p === '') return null;
    p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
  }
}

/** 1-based line and column of an offset, as editors show them. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
