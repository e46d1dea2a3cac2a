import type { Config } from '../config.js';
import { TARGET_OPTIONS, TARGET_USAGE, UsageError, integer, openBackend, parse, printJson, statuses, target } from './args.js';
import { reward, table } from './text.js';
import { errorLine } from './trial-outcomes.js';
import type { PageView, TrialView } from './views.js';

const TRIAL_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED'];
const ORDERS = ['SEQUENCE_ASC', 'SEQUENCE_DESC', 'REWARD_DESC', 'REWARD_ASC', 'CREATED_AT_DESC'];
const DUPLICATES = ['INCLUDE', 'EXCLUDE', 'ONLY'] as const;

export const TRIALS_USAGE = `usage: graphnas trials list EXPERIMENT_ID [options]

  the experiment's trials, a page at a time, with status, reward, what trained them,
  the architecture and why a trial failed or was pruned
  --status S,S…        PENDING, RUNNING, SUCCEEDED, FAILED, PRUNED, CANCELLED
  --order O            ${ORDERS.join(', ')} (default SEQUENCE_ASC)
  --duplicates D       include (default), exclude or only the trials answered from an
                       earlier one with the same architecture
  --first N            page size, at most 500 (default 50)
  --after CURSOR       the page after the one that printed this cursor
${TARGET_USAGE}`;

function note(t: TrialView): string {
  if (t.duplicateOfId !== null) return 'duplicate: answered from an earlier trial';
  return t.error === null ? '' : errorLine(t.error);
}

function listText(page: PageView<TrialView>): string {
  if (page.items.length === 0) return page.totalCount === 0 ? 'no trials' : 'no more trials';
  const rows = page.items.map((t) => [String(t.sequence), t.status, reward(t.reward), t.runtime?.backend ?? '—', t.label, note(t)]);
  const more = page.hasNextPage ? `\n${page.items.length} of ${page.totalCount}; the next page: --after ${page.endCursor}` : `\n${page.totalCount} trials`;
  return `${table(['trial', 'status', 'reward', 'backend', 'architecture', 'note'], rows, new Set([0, 2]))}${more}`;
}

/** `graphnas trials list …`; returns the exit status. */
export async function trialsCommand(args: readonly string[], config: Config, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...TARGET_OPTIONS, status: { type: 'string' }, order: { type: 'string' }, duplicates: { type: 'string' }, first: { type: 'string' }, after: { type: 'string' } },
    TRIALS_USAGE,
  );
  const [action, id, ...extra] = positionals;
  if (action !== 'list') throw new UsageError(`graphnas trials needs list${action ? `, not "${action}"` : ''}`, TRIALS_USAGE);
  if (id === undefined) throw new UsageError('graphnas trials list needs the experiment id (graphnas experiments list shows them)', TRIALS_USAGE);
  if (extra[0] !== undefined) throw new UsageError(`unexpected argument "${extra[0]}"`, TRIALS_USAGE);
  const order = (values.order ?? 'SEQUENCE_ASC').toUpperCase();
  if (!ORDERS.includes(order)) throw new UsageError(`--order must be one of ${ORDERS.join(', ')}, got "${values.order}"`, TRIALS_USAGE);
  const duplicates = (values.duplicates ?? 'INCLUDE').toUpperCase() as (typeof DUPLICATES)[number];
  if (!DUPLICATES.includes(duplicates)) throw new UsageError(`--duplicates must be include, exclude or only, got "${values.duplicates}"`, TRIALS_USAGE);
  const where = target(values, TRIALS_USAGE);
  const query = {
    statuses: statuses(values.status, TRIAL_STATUSES, TRIALS_USAGE),
    order,
    duplicates,
    first: integer('first', values.first, 50, 0, 500, TRIALS_USAGE),
    after: values.after ?? null,
  };
  const backend = await openBackend(`trials list ${id}`, where, config);
  try {
    const page = await backend.trials(id, query);
    if (where.json) printJson(out, page);
    else out.write(`${listText(page)}\n`);
    return 0;
  } finally {
    await backend.close();
  }
}
