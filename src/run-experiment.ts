import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from './config.js';
import { GraphnasError, InvalidInputError } from './core/errors.js';
import { Topic } from './core/events/topics.js';
import type { CreateExperimentInput } from './core/experiments/experiment.service.js';
import { isExperimentFinished } from './core/experiments/experiment-status.js';
import type { SpaceFormat } from './core/search-spaces/search-space.service.js';
import type { ExperimentRecord, TrialRecord } from './core/storage/records.js';
import { openDatabase } from './db/database.js';
import { selectBackend } from './evaluation/backend/index.js';
import type { Logger } from './logger.js';
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

function bar(fraction: number, width = 28): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

function seconds(value: number): string {
  return value >= 90 ? `${Math.floor(value / 60)}m${Math.round(value % 60)}s` : `${value.toFixed(value < 10 ? 1 : 0)}s`;
}

/**
 * `graphnas run`: creates and runs one experiment on the embedded database (or
 * DATABASE_URL), shows a progress bar, and prints the leaderboard. The results stay in
 * the database, so `graphnas serve` on the same data directory shows them afterwards.
 */
export async function runExperimentFile(path: string, config: Config, logger: Logger, out: NodeJS.WriteStream = process.stdout): Promise<ExperimentRecord> {
  const { experiment: file, space } = readExperimentFile(path);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize: config.dbPoolSize }, logger);
  try {
    await database.migrate();
    await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const services = await openServices(database, { ...config, scheduler: true }, logger);
    const { searchSpaceFormat, searchSpace: _inline, ...input } = file;
    const createdSpace = await services.searchSpaces.create({ name: file.name, definition: space, format: searchSpaceFormat ?? 'GRAPHNAS' }, null);
    const created = await services.experiments.create({ ...input, searchSpaceId: createdSpace.id }, null);
    const started = Date.now();
    const tty = out.isTTY === true;
    let finishedTrials = 0;
    let best: TrialRecord | null = null;
    let lastDecile = -1;
    const render = (): void => {
      const fraction = finishedTrials / created.budget.maxTrials;
      const elapsed = (Date.now() - started) / 1000;
      const eta = finishedTrials > 0 ? (elapsed / finishedTrials) * (created.budget.maxTrials - finishedTrials) : NaN;
      const line = `${bar(fraction)} ${finishedTrials}/${created.budget.maxTrials} trials · best ${best?.reward?.toFixed(3) ?? '—'} · ${seconds(elapsed)} elapsed${Number.isFinite(eta) ? ` · ETA ${seconds(eta)}` : ''}`;
      if (tty) out.write(`\r${line}\x1b[K`);
      else if (Math.floor(fraction * 10) > lastDecile) {
        lastDecile = Math.floor(fraction * 10);
        out.write(`${line}\n`);
      }
    };
    const better = (a: number, b: number): boolean => (created.objective.direction === 'MAXIMIZE' ? a > b : a < b);
    const done = new Promise<ExperimentRecord>((resolveDone) => {
      services.events.onEvent((e) => {
        if (e.key !== created.id) return;
        if (e.topic === Topic.TrialUpdated && e.payload.finishedAt !== null && e.payload.duplicateOfId === null && e.payload.status !== 'CANCELLED') {
          finishedTrials += 1;
          if (e.payload.reward !== null && (best === null || better(e.payload.reward, best.reward!))) best = e.payload;
          render();
        }
        if (e.topic === Topic.ExperimentUpdated && isExperimentFinished(e.payload.status)) resolveDone(e.payload);
      });
    });
    out.write(`experiment ${created.id}: ${created.strategy.type} on ${createdSpace.name} (${createdSpace.cardinality} architectures), ${created.evaluator.type} evaluator, seed ${created.seed}\n`);
    await services.scheduler!.start();
    await services.lifecycle.start(created.id, null);
    const final = await done;
    if (tty) out.write('\n');
    await services.scheduler!.stop();
    const leaderboard = await services.experiments.leaderboard(final, 10);
    out.write(`\n${final.status} (${final.endReason}) after ${seconds((Date.now() - started) / 1000)}\n\nleaderboard (${created.objective.metric}, ${created.objective.direction.toLowerCase()}):\n`);
    out.write(`  rank  trial  reward    architecture\n`);
    leaderboard.forEach((t, i) => out.write(`  ${String(i + 1).padStart(4)}  ${String(t.sequence).padStart(5)}  ${t.reward!.toFixed(3).padStart(8)}  ${t.label}\n`));
    if (leaderboard[0]) out.write(`\nbest: ${leaderboard[0].label}\n`);
    await services.events.close();
    return final;
  } catch (error) {
    if (error instanceof GraphnasError) throw new Error(`${path}: ${error.message}`);
    throw error;
  } finally {
    await database.close();
  }
}
