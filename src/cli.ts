#!/usr/bin/env node
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { failureReason } from './commands/trial-outcomes.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { GraphnasError } from './errors/index.js';
import { createLogger, type Logger } from './logger.js';

// Each command loads what it needs when it runs (the GraphQL stack, the store, TensorFlow.js
// take seconds to load together): `graphnas watch --url` or `help` should not pay for `serve`.
const USAGE = `graphnas — neural architecture search as a GraphQL service

usage: graphnas <command>

commands:
  serve     start the GraphQL API (embedded PGlite unless DATABASE_URL is set)
  run FILE  run the experiment FILE describes (e.g. examples/nb201-reinforce.json) with a
            progress bar (and the epoch of each running trial), then why trials failed
            or were pruned and the leaderboard; exits 1 with the reason on stderr when
            the experiment does not succeed; results stay in the database (which must
            not be in use: a data directory has one owner)
    --url URL   submit it to the graphnas service at URL (http://host:port/graphql) and
                follow it there instead; the way to run next to a server on its ./data
    --key KEY   the API key to send with --url (better: GRAPHNAS_API_KEY, which does
                not show in the process list)
  worker --url URL  train trials of the service at URL on this machine, with a worker
            key (GRAPHNAS_API_KEY or --key); graphnas worker --help for its options
  experiments list       the experiments: status, progress, best reward
  experiments show ID    one experiment: status, progress, why trials failed or were
                         pruned, the leaderboard and the best architecture
  trials list ID         its trials, a page at a time (--status, --order, --first)
  watch ID               follow it live until it ends (the subscriptions)
            these four ask the service at --url (with --key or GRAPHNAS_API_KEY), or
            else open the store when no server holds it; --json for scripts;
            graphnas experiments --help (trials, watch) for their options
  finalize ID            retrain its best architectures at a final budget with several
                         seeds, test them once on the held-out split, keep the winner
  export ID --out DIR    write the winner's TensorFlow.js model, architecture and
                         model card to DIR
  predict DIR INPUT      classify a PNG image or CSV rows with an exported model
  keys      create, list and revoke API keys (graphnas keys help); works before any key
            exists, on the store directly, to make the first admin key
  migrate   apply pending database migrations and exit
  schema    write schema.graphql from the code (--check: fail if it differs)
  help      this text

configuration: environment variables, see README.md`;

/** Where `schema.graphql` lives: the package root, two levels above dist/src. */
export const SCHEMA_FILE = join(__dirname, '..', '..', 'schema.graphql');

export async function printedSchema(): Promise<string> {
  const [{ printSchema }, { createSchema }] = await Promise.all([import('graphql'), import('./graphql/schema.js')]);
  return `${printSchema(await createSchema(null))}\n`;
}

/** The server logs at info unless LOG_LEVEL says otherwise; the commands that print their own output at warn. */
function makeLogger(config: Config, fallbackLevel = 'info'): Logger {
  return createLogger(config.logLevel ?? fallbackLevel, config.logFormat === 'auto' ? {} : { pretty: config.logFormat === 'pretty' });
}

async function serve(config: Config): Promise<void> {
  const logger = makeLogger(config);
  const { startServer } = await import('./server.js');
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
  const { openDatabase } = await import('./db/database.js');
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

/**
 * `experiments`, `trials` and `watch` (src/commands/): each module is loaded only when
 * asked for, and loads the store or the API client only once it knows which it needs.
 */
async function inspectCommand(command: 'experiments' | 'trials' | 'watch', args: readonly string[]): Promise<number> {
  const commands = {
    experiments: async () => {
      const m = await import('./commands/experiments.js');
      return { usage: m.EXPERIMENTS_USAGE, run: m.experimentsCommand };
    },
    trials: async () => {
      const m = await import('./commands/trials.js');
      return { usage: m.TRIALS_USAGE, run: m.trialsCommand };
    },
    watch: async () => {
      const m = await import('./commands/watch.js');
      return { usage: m.WATCH_USAGE, run: m.watchCommand };
    },
  };
  const { usage, run } = await commands[command]();
  if (args[0] === 'help' || args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return 0;
  }
  // `graphnas … | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const { UsageError } = await import('./commands/args.js');
  try {
    return await run(args, loadConfig());
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${error.usage}`);
    return 2;
  }
}

/** From a finished search to a model: `finalize`, `export`, `predict` (src/commands/), each loaded only when asked for. */
async function modelCommand(command: 'finalize' | 'export' | 'predict', args: readonly string[]): Promise<number> {
  const commands = {
    finalize: async () => {
      const m = await import('./commands/finalize.js');
      return { usage: m.FINALIZE_USAGE, run: () => m.finalizeCommand(args, loadConfig()) };
    },
    export: async () => {
      const m = await import('./commands/export.js');
      return {
        usage: m.EXPORT_USAGE,
        run: async () => {
          const config = loadConfig();
          return m.exportCommand(args, config, makeLogger(config, 'warn'));
        },
      };
    },
    predict: async () => {
      const m = await import('./commands/predict.js');
      return { usage: m.PREDICT_USAGE, run: () => m.predictCommand(args) };
    },
  };
  const { usage, run } = await commands[command]();
  if (args.length === 0 || args[0] === 'help' || args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return args.length === 0 ? 2 : 0;
  }
  const { UsageError } = await import('./commands/args.js');
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${error.usage}`);
    return 2;
  }
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
            ? await (await import('./run-experiment.js')).runExperimentFile(args.file, config, makeLogger(config, 'warn'))
            : await (await import('./run-remote.js')).runExperimentRemote(args.file, { url: args.url, apiKey: args.key ?? config.apiKey });
        if (final.status !== 'SUCCEEDED') console.error(`graphnas run: experiment ${final.experimentId} ${failureReason(final.status, final.endReason, final.outcomes)}`);
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
      const { KEYS_USAGE, keysCommand } = await import('./keys-command.js');
      if (rest[0] === undefined || rest[0] === 'help' || rest.includes('--help')) {
        console.log(KEYS_USAGE);
        return;
      }
      const config = loadConfig();
      process.exit(await keysCommand(rest, config, makeLogger(config, 'warn')));
      return;
    }
    case 'worker':
      process.exit(await (await import('./worker/worker-command.js')).workerCommand(rest, loadConfig()));
      return;
    case 'experiments':
    case 'trials':
    case 'watch':
      process.exit(await inspectCommand(command, rest));
      return;
    case 'finalize':
    case 'export':
    case 'predict':
      process.exit(await modelCommand(command, rest));
      return;
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
