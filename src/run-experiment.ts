import { epochsOf, experimentInput, readExperimentFile } from './commands/experiment-file.js';
import type { Config } from './config.js';
import { Topic } from './core/events/topics.js';
import { isExperimentFinished } from './core/experiments/experiment-status.js';
import type { ExperimentRecord } from './core/storage/records.js';
import { openDatabase, type Database } from './db/database.js';
import { StoreInUseError } from './db/store-lock.js';
import { selectBackend } from './evaluation/backend/index.js';
import { configureMachine } from './evaluation/machine.js';
import type { Logger } from './logger.js';
import { RunProgress } from './run-progress.js';
import type { RunResult } from './run-remote.js';
import { openServices } from './open-services.js';

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
 * DATABASE_URL), shows its progress, and prints why trials failed or were pruned and the
 * leaderboard. The results stay in the database, so `graphnas serve` on the same data
 * directory shows them afterwards.
 */
export async function runExperimentFile(path: string, config: Config, logger: Logger, out: NodeJS.WriteStream = process.stdout): Promise<RunResult> {
  const { experiment: file, space } = readExperimentFile(path);
  configureMachine({ backend: config.tfBackend, fashionMnistDir: config.fashionMnistDir });
  const database = await openOwnStore(path, config, logger);
  let progress: RunProgress | null = null;
  try {
    await database.migrate();
    await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const services = await openServices(database, { ...config, scheduler: true }, logger);
    const createdSpace = await services.searchSpaces.create({ name: file.name, definition: space, format: file.searchSpaceFormat ?? 'GRAPHNAS' }, null);
    const created = await services.experiments.create({ ...experimentInput(file), searchSpaceId: createdSpace.id }, null);
    const shown = new RunProgress(out, created.budget.maxTrials, {
      direction: created.objective.direction,
      curveMetric: created.earlyStopping?.metric ?? null,
      epochs: epochsOf(created.evaluator),
    });
    progress = shown;
    const done = new Promise<ExperimentRecord>((resolveDone) => {
      services.events.onEvent((e) => {
        if (e.key !== created.id) return;
        if (e.topic === Topic.TrialUpdated) shown.trial(e.payload);
        else if (e.topic === Topic.TrialMetricReported) shown.metric(e.payload);
        else if (e.topic === Topic.ExperimentUpdated && isExperimentFinished(e.payload.status)) resolveDone(e.payload);
      });
    });
    shown.header({
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
    shown.summary({ status: final.status, endReason: final.endReason, metric: created.objective.metric, direction: created.objective.direction, leaderboard }, created.evaluator.type);
    await services.events.close();
    return { experimentId: created.id, status: final.status, endReason: final.endReason, outcomes: shown.summaryOfOutcomes() };
  } finally {
    progress?.close();
    await database.close();
  }
}
