#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printSchema } from 'graphql';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import { GraphnasError } from './errors/index.js';
import { createSchema } from './graphql/schema.js';
import { createLogger, type Logger } from './logger.js';
import { KEYS_USAGE, keysCommand } from './keys-command.js';
import { runExperimentFile } from './run-experiment.js';
import { runExperimentRemote } from './run-remote.js';
import { startServer } from './server.js';

const USAGE = `graphnas — neural architecture search as a GraphQL service

usage: graphnas <command>

commands:
  serve     start the GraphQL API (embedded PGlite unless DATABASE_URL is set)
  run FILE  run the experiment FILE describes (e.g. examples/nb201-reinforce.json) with a
            progress bar, then print the leaderboard; results stay in the database
            (which must not be in use: a data directory has one owner)
    --url URL   submit it to the graphnas service at URL (http://host:port/graphql) and
                follow it there instead; the way to run next to a server on its ./data
    --key KEY   the API key to send with --url (better: GRAPHNAS_API_KEY, which does
                not show in the process list)
  keys      create, list and revoke API keys (graphnas keys help); works before any key
            exists, on the store directly, to make the first admin key
  migrate   apply pending database migrations and exit
  schema    write schema.graphql from the code (--check: fail if it differs)
  help      this text

configuration: environment variables, see README.md`;

/** Where `schema.graphql` lives: the package root, two levels above dist/src. */
export const SCHEMA_FILE = join(__dirname, '..', '..', 'schema.graphql');

export async function printedSchema(): Promise<string> {
  return `${printSchema(await createSchema(null))}\n`;
}

/** The server logs at info unless LOG_LEVEL says otherwise; the commands that print their own output at warn. */
function makeLogger(config: Config, fallbackLevel = 'info'): Logger {
  return createLogger(config.logLevel ?? fallbackLevel, config.logFormat === 'auto' ? {} : { pretty: config.logFormat === 'pretty' });
}

async function serve(config: Config): Promise<void> {
  const logger = makeLogger(config);
  const server = await startServer(config, logger);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function migrate(config: Config): Promise<void> {
  const logger = makeLogger(config);
  const db = await openDatabase(
    { url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: 2 },
    logger,
  );
  try {
    const applied = await db.migrate();
    logger.info({ applied: applied.length }, applied.length ? 'migrations applied' : 'database is up to date');
  } finally {
    await db.close();
  }
}

async function schema(check: boolean): Promise<void> {
  const { readFileSync, existsSync } = await import('node:fs');
  const text = await printedSchema();
  if (check) {
    const current = existsSync(SCHEMA_FILE) ? readFileSync(SCHEMA_FILE, 'utf8') : '';
    if (current !== text) {
      console.error('schema.graphql is out of date: run `npm run schema` and commit it');
      process.exit(1);
    }
    return;
  }
  writeFileSync(SCHEMA_FILE, text);
  console.log(`wrote ${SCHEMA_FILE}`);
}

const RUN_USAGE = 'usage: graphnas run FILE [--url http://host:port/graphql] [--key KEY]';

function runArguments(args: readonly string[]): { file: string; url: string | null; key: string | null } {
  const usage = (problem: string): never => {
    console.error(`${problem}\n${RUN_USAGE}`);
    process.exit(2);
  };
  let parsed: { values: { url?: string; key?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: { url: { type: 'string' }, key: { type: 'string' } } });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) return usage('graphnas run needs an experiment file');
  if (extra.length > 0) return usage(`unexpected argument "${extra[0]}"`);
  const { url = null, key = null } = parsed.values;
  if (url !== null && !/^https?:\/\/[^/]/.test(url)) return usage(`--url must be an http(s) URL, got "${url}"`);
  if (key !== null && url === null) return usage('--key is sent to a service: it needs --url');
  return { file, url, key };
}

async function main(argv: readonly string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(loadConfig());
    case 'migrate':
      return migrate(loadConfig());
    case 'run': {
      const args = runArguments(rest);
      const config = loadConfig();
      try {
        const final =
          args.url === null
            ? await runExperimentFile(args.file, config, makeLogger(config, 'warn'))
            : await runExperimentRemote(args.file, { url: args.url, apiKey: args.key ?? config.apiKey });
        process.exit(final.status === 'SUCCEEDED' ? 0 : 1);
      } catch (error) {
        // Refusals and bad input are the user's to read, without a stack trace.
        if (!(error instanceof GraphnasError)) throw error;
        console.error(`graphnas run: ${error.code === 'BAD_USER_INPUT' ? `${args.file}: ` : ''}${error.message}`);
        process.exit(1);
      }
      return;
    }
    case 'keys': {
      if (rest[0] === undefined || rest[0] === 'help' || rest.includes('--help')) {
        console.log(KEYS_USAGE);
        return;
      }
      const config = loadConfig();
      process.exit(await keysCommand(rest, config, makeLogger(config, 'warn')));
      return;
    }
    case 'schema':
      return schema(rest.includes('--check'));
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      process.exit(2);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    // Refusals, bad input and bad configuration are the user's to read, without a stack
    // trace; anything else is a bug and keeps its trace.
    if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
    else if (error instanceof GraphnasError) console.error(`graphnas: ${error.message}`);
    else if (error instanceof TypeError && (error as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error(error.message);
    else console.error(error);
    process.exit(1);
  });
}
