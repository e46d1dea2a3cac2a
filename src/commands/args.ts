import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config.js';
import { GraphnasError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import type { InspectBackend } from './views.js';

/** The command line was wrong: said with the command's usage, exit status 2. */
export class UsageError extends GraphnasError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super('BAD_USER_INPUT', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every command that can go through a service takes. */
export const TARGET_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies Options;

export const TARGET_USAGE = `  --url URL   ask the graphnas service at URL (http://host:port/graphql) instead of
              opening the store (the embedded ./data when no server holds it, or
              DATABASE_URL)
  --key KEY   the API key to send with --url (better: GRAPHNAS_API_KEY, which does not
              show in the process list)
  --json      machine-readable output`;

export interface Target {
  readonly url: string | null;
  readonly key: string | null;
  readonly json: boolean;
}

/** `parseArgs` with its complaints as a UsageError. */
export function parse<O extends Options>(args: readonly string[], options: O, usage: string): { values: ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values']; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), usage);
  }
}

export function target(values: { url?: string; key?: string; json?: boolean }, usage: string): Target {
  const url = values.url ?? null;
  const key = values.key ?? null;
  if (url !== null && !/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`, usage);
  if (key !== null && url === null) throw new UsageError('--key is sent to a service: it needs --url', usage);
  return { url, key, json: values.json === true };
}

/** A whole number within bounds, from an option's text. */
export function integer(name: string, text: string | undefined, fallback: number, min: number, max: number, usage: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`, usage);
  return value;
}

/** `FAILED,PRUNED` or `failed pruned`: upper-cased, checked against the allowed values. */
export function statuses(text: string | undefined, allowed: readonly string[], usage: string): string[] | null {
  if (text === undefined) return null;
  const list = text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map((s) => s.toUpperCase());
  const wrong = list.find((s) => !allowed.includes(s));
  if (wrong !== undefined) throw new UsageError(`--status: "${wrong}" is not one of ${allowed.join(', ')}`, usage);
  return list;
}

/** The commands that print their own output log only warnings, unless LOG_LEVEL says otherwise. */
export async function commandLogger(config: Config): Promise<Logger> {
  const { createLogger } = await import('../logger.js');
  return createLogger(config.logLevel ?? 'warn', config.logFormat === 'auto' ? {} : { pretty: config.logFormat === 'pretty' });
}

/**
 * The service at `--url`, or the store. Each is loaded only when chosen: a command
 * through a service loads no database, ORM or TensorFlow.js.
 */
export async function openBackend(command: string, t: Target, config: Config, stderr: NodeJS.WritableStream = process.stderr): Promise<InspectBackend> {
  if (t.url !== null) {
    const { ApiInspectBackend } = await import('../remote/inspect.js');
    return new ApiInspectBackend({ url: t.url, apiKey: t.key ?? config.apiKey }, (text) => stderr.write(`${text}\n`));
  }
  const { openStoreBackend } = await import('./store-backend.js');
  return openStoreBackend(command, config, await commandLogger(config));
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
