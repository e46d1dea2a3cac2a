import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from './config.js';
import { InvalidInputError } from './core/errors.js';
import { Topic } from './core/events/topics.js';
import type { CreateExperimentInput } from './core/experiments/experiment.service.js';
import { isExperimentFinished } from './core/experiments/experiment-status.js';
import type { SpaceFormat } from './core/search-spaces/search-space.service.js';
import type { ExperimentRecord } from './core/storage/records.js';
import { openDatabase, type Database } from './db/database.js';
import { StoreInUseError } from './db/store-lock.js';
import { selectBackend } from './evaluation/backend/index.js';
import { configureMachine } from './evaluation/machine.js';
import type { Logger } from './logger.js';
import { RunProgress } from './run-progress.js';
import { openServices } from './server.js';

/**
 * An experiment file: the experiment's input (as `createExperiment` takes it) with the
 * search space inline or as a path relative to the file.
 */
export interface ExperimentFile extends Omit<CreateExperimentInput, 'searchSpaceId'> {
  readonly searchSpace: string | Record<string, unknown>;
  readonly searchSpaceFormat?: SpaceFormat;
}

export function readExperimentFile(path: string): { experiment: ExperimentFile; space: unknown } {
  const experiment = JSON.parse(readFileSync(path, 'utf8')) as ExperimentFile;
  if (experiment === null || typeof experiment !== 'object') throw InvalidInputError.field('file', 'must hold a JSON object');
  const space =
    typeof experiment.searchSpace === 'string'
      ? JSON.parse(readFileSync(resolve(dirname(path), experiment.searchSpace), 'utf8'))
      : experiment.searchSpace;
  if (space === undefined) throw InvalidInputError.field('searchSpace', 'is required: a definition or a path to one');
  return { experiment, space };
}

/**
 * The store belongs to one process. When that is a server, the run belongs on it: the
 * refusal says how to send it there, to the URL the server recorded once it listened or,
 * when there is none, to the address this process's configuration would serve on.
 */
async function openOwnStore(path: string, config: Config, logger: Logger): Promise<Database> {
  try {
    return await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: config.dbPoolSize }, logger);
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    const served = error.holder?.url ?? null;
    const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
    const advice =
      served !== null
        ? `It is a graphnas server: submit the experiment to it with\n  graphnas run ${path} --url ${served}`
        : `If it is a graphnas server, submit the experiment to it with\n  graphnas run ${path} --url http://${host}:${config.port === 0 ? 'PORT' : config.port}/graphql\n(its HOST and PORT)`;
    throw new StoreInUseError(error.dataDir, error.holder, `${error.message}; nothing was changed.\n${advice}`);
  }
}

/**
 * `graphnas run`: creates and runs one experiment on the embedded database (or
 * DATABASE_URL), shows a progress bar, and prints the leaderboard. The results stay in
 * the database, so `graphnas serve` on the same data directory shows them afterwards.
 */
export async function runExperimentFile(path: string, config: Config, logger: Logger, out: NodeJS.WriteStream = process.stdout): Promise<ExperimentRecord> {
  const { experiment: file, space } = readExperimentFile(path);
  configureMachine({ backend: config.tfBackend, fashionMnistDir: config.fashionMnistDir });
  const database = await openOwnStore(path, config, logger);
  try {
    await database.migrate();
    await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const services = await openServices(database, { ...config, scheduler: true }, logger);
    const { searchSpaceFormat, searchSpace: _inline, ...input } = file;
    const createdSpace = await services.searchSpaces.create({ name: file.name, definition: space, format: searchSpaceFormat ?? 'GRAPHNAS' }, null);
    const created = await services.experiments.create({ ...input, searchSpaceId: createdSpace.id }, null);
    const progress = new RunProgress(out, created.budget.maxTrials);
    let finishedTrials = 0;
    let best: number | null = null;
    const better = (a: number, b: number): boolean => (created.objective.direction === 'MAXIMIZE' ? a > b : a < b);
    const done = new Promise<ExperimentRecord>((resolveDone) => {
      services.events.onEvent((e) => {
        if (e.key !== created.id) return;
        if (e.topic === Topic.TrialUpdated && e.payload.finishedAt !== null && e.payload.duplicateOfId === null && e.payload.status !== 'CANCELLED') {
          finishedTrials += 1;
          if (e.payload.reward !== null && (best === null || better(e.payload.reward, best))) best = e.payload.reward;
          progress.update(finishedTrials, best);
        }
        if (e.topic === Topic.ExperimentUpdated && isExperimentFinished(e.payload.status)) resolveDone(e.payload);
      });
    });
    progress.header({
      experimentId: created.id,
      strategy: created.strategy.type,
      spaceName: createdSpace.name,
      cardinality: createdSpace.cardinality,
      evaluator: created.evaluator.type,
      seed: created.seed,
    });
    await services.scheduler!.start();
    await services.lifecycle.start(created.id, null);
    const final = await done;
    await services.scheduler!.stop();
    const leaderboard = await services.experiments.leaderboard(final, 10);
    progress.summary({ status: final.status, endReason: final.endReason, metric: created.objective.metric, direction: created.objective.direction, leaderboard });
    await services.events.close();
    return final;
  } finally {
    await database.close();
  }
}
