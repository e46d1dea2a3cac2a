import type { Config } from '../config.js';
import { TARGET_OPTIONS, TARGET_USAGE, UsageError, integer, openBackend, parse, printJson, statuses, target } from './args.js';
import { reward, seconds, table, when } from './text.js';
import { describeOutcomes, TrialOutcomes, type OutcomeSummary } from './trial-outcomes.js';
import type { ExperimentDetail, ExperimentRow, InspectBackend } from './views.js';

export const EXPERIMENTS_USAGE = `usage: graphnas experiments <list|show> [options]

  list [--status S,S…] [--name TEXT] [--first N] [--after CURSOR]
         the experiments, newest first, with status, progress and best reward;
         --status: CREATED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED
  show ID [--top N]
         status, progress, configuration, why trials failed or were pruned, what
         trained them, the leaderboard (top 10) and the best architecture
${TARGET_USAGE}`;

const EXPERIMENT_STATUSES = ['CREATED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
/** `show` reads at most this many finished trials to say why they ended as they did. */
const OUTCOME_TRIALS = 10_000;
const PAGE = 500;

function status(e: { status: string; endReason: string | null }): string {
  return e.endReason !== null && e.endReason !== e.status ? `${e.status} (${e.endReason})` : e.status;
}

function progress(e: ExperimentRow | ExperimentDetail): string {
  const p = e.progress;
  const eta = e.status === 'RUNNING' && p.etaSeconds !== null ? `, ETA ${seconds(p.etaSeconds)}` : '';
  return `${p.finishedEvaluations}/${p.maxTrials}${eta}`;
}

function listText(page: Awaited<ReturnType<InspectBackend['listExperiments']>>): string {
  if (page.items.length === 0) return page.totalCount === 0 ? 'no experiments' : 'no more experiments';
  const rows = page.items.map((e) => [e.id, e.name, status(e), e.strategy.type, e.evaluator.type, progress(e), reward(e.bestTrial?.reward), when(e.createdAt)]);
  const more = page.hasNextPage ? `\n${page.items.length} of ${page.totalCount}; the next page: --after ${page.endCursor}` : '';
  return `${table(['id', 'name', 'status', 'strategy', 'evaluator', 'trials', 'best', 'created'], rows, new Set([5, 6]))}${more}`;
}

/** Why the finished evaluations ended as they did, read page by page up to OUTCOME_TRIALS. */
export async function readOutcomes(backend: InspectBackend, id: string): Promise<{ summary: OutcomeSummary; read: number; complete: boolean }> {
  const outcomes = new TrialOutcomes();
  let after: string | null = null;
  let read = 0;
  for (;;) {
    const page = await backend.trials(id, { statuses: ['SUCCEEDED', 'FAILED', 'PRUNED'], order: 'SEQUENCE_ASC', duplicates: 'EXCLUDE', first: PAGE, after });
    for (const t of page.items) outcomes.record(t);
    read += page.items.length;
    if (!page.hasNextPage || read >= OUTCOME_TRIALS) return { summary: outcomes.summary(), read, complete: !page.hasNextPage };
    after = page.endCursor;
  }
}

function showText(e: ExperimentDetail, outcomes: { summary: OutcomeSummary; read: number; complete: boolean }): string {
  const json = (value: unknown): string => (value && typeof value === 'object' && Object.keys(value).length > 0 ? ` ${JSON.stringify(value)}` : '');
  const c = e.trialCounts;
  const elapsed = e.progress.elapsedSeconds > 0 ? `, ${seconds(e.progress.elapsedSeconds)}` : '';
  const b = e.budget;
  const lines = [
    `experiment ${e.id}: ${e.name}`,
    `  status      ${status(e)}, ${progress(e)} evaluations${elapsed}`,
    `  project     ${e.project}`,
    `  space       ${e.searchSpace.name} (${e.searchSpace.kind.toLowerCase()}, ${e.searchSpace.cardinality} architectures)`,
    `  strategy    ${e.strategy.type}${json(e.strategy.hyperparameters)}`,
    `  evaluator   ${e.evaluator.type}${json(e.evaluator.options)}`,
    `  objective   ${e.objective.direction.toLowerCase()} ${e.objective.metric}${e.objective.goal !== null ? `, goal ${e.objective.goal}` : ''}`,
    `  budget      ${b.maxTrials} trials, ${b.parallelTrials} at a time, at most ${b.maxFailedTrials} failed${b.maxDurationSeconds !== null ? `, ${seconds(b.maxDurationSeconds)}` : ''}`,
    ...(e.earlyStopping ? [`  pruning     ${e.earlyStopping.type} on ${e.earlyStopping.metric}`] : []),
    `  seed        ${e.seed}`,
    `  trials      ${c.succeeded} succeeded, ${c.failed} failed, ${c.pruned} pruned, ${c.running} running, ${c.pending} pending, ${c.cancelled} cancelled (${c.duplicates} answered as duplicates)`,
  ];
  const told = describeOutcomes(outcomes.summary, e.evaluator.type);
  if (told.length > 0) lines.push('', ...told, ...(outcomes.complete ? [] : [`(from the first ${outcomes.read} finished trials)`]));
  if (e.leaderboard.length > 0) {
    lines.push('', `leaderboard (${e.objective.metric}, ${e.objective.direction.toLowerCase()}):`);
    const rows = e.leaderboard.map((t, i) => [String(i + 1), String(t.sequence), reward(t.reward), t.runtime?.backend ?? '—', t.label]);
    lines.push(table(['rank', 'trial', 'reward', 'backend', 'architecture'], rows, new Set([0, 1, 2])).replace(/^/gm, '  '));
  }
  if (e.bestTrial) lines.push('', `best: ${e.bestTrial.label}`);
  return lines.join('\n');
}

/** `graphnas experiments …`; returns the exit status. */
export async function experimentsCommand(args: readonly string[], config: Config, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...TARGET_OPTIONS, status: { type: 'string' }, name: { type: 'string' }, first: { type: 'string' }, after: { type: 'string' }, top: { type: 'string' } },
    EXPERIMENTS_USAGE,
  );
  const [action, id, ...extra] = positionals;
  if (action !== 'list' && action !== 'show') throw new UsageError(`graphnas experiments needs list or show${action ? `, not "${action}"` : ''}`, EXPERIMENTS_USAGE);
  if (action === 'show' && id === undefined) throw new UsageError('graphnas experiments show needs the experiment id (graphnas experiments list shows them)', EXPERIMENTS_USAGE);
  const unexpected = action === 'list' ? id : extra[0];
  if (unexpected !== undefined) throw new UsageError(`unexpected argument "${unexpected}"`, EXPERIMENTS_USAGE);
  const where = target(values, EXPERIMENTS_USAGE);
  const query = {
    statuses: statuses(values.status, EXPERIMENT_STATUSES, EXPERIMENTS_USAGE),
    nameContains: values.name ?? null,
    first: integer('first', values.first, 50, 0, 500, EXPERIMENTS_USAGE),
    after: values.after ?? null,
  };
  const top = integer('top', values.top, 10, 1, 100, EXPERIMENTS_USAGE);
  const backend = await openBackend(`experiments ${action}${id ? ` ${id}` : ''}`, where, config);
  try {
    if (action === 'list') {
      const page = await backend.listExperiments(query);
      if (where.json) printJson(out, page);
      else out.write(`${listText(page)}\n`);
      return 0;
    }
    const detail = await backend.experiment(id!, top);
    const outcomes = await readOutcomes(backend, detail.id);
    if (where.json) printJson(out, { ...detail, outcomes: { ...outcomes.summary, trialsRead: outcomes.read, complete: outcomes.complete } });
    else out.write(`${showText(detail, outcomes)}\n`);
    return 0;
  } finally {
    await backend.close();
  }
}
