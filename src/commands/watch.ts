import type { Config } from '../config.js';
import { isExperimentFinished, type ExperimentStatus } from '../core/experiments/experiment-status.js';
import { TARGET_OPTIONS, TARGET_USAGE, UsageError, integer, openBackend, parse, target } from './args.js';
import { reward } from './text.js';
import { errorLine } from './trial-outcomes.js';
import type { TrialView, WatchEvent } from './views.js';

export const WATCH_USAGE = `usage: graphnas watch EXPERIMENT_ID [--after EVENT_ID] [options]

  follows the experiment live until it ends: every trial's state, the learning-curve
  points of running trials, the controller's updates and the experiment's status.
  Through a service it reconnects when the connection drops and resumes after the last
  event it printed, so nothing is missed or repeated. On an embedded store that no
  server holds nothing runs, so it prints the history and the state and ends.
  Exits 0 once the experiment SUCCEEDED, 1 when it FAILED or was CANCELLED.
  --after N   start after event N (0: the whole history); default: from now
${TARGET_USAGE}
  With --json: one event per line, each with its eventId; the last line is
  {"end": {status, endReason, note, cursor}}.`;

/** Lines for people; trial sequences are remembered so that metrics can name their trial. */
class EventText {
  private readonly sequences = new Map<string, number>();
  /** The experiment's status as last printed: its other changes (a new best trial) repeat it, and say nothing new here. */
  private status: string | null = null;

  constructor(private readonly out: NodeJS.WritableStream) {}

  print(event: WatchEvent): void {
    const line = this.text(event);
    if (line !== null) this.out.write(`${line}\n`);
  }

  private trialName(id: string): string {
    const sequence = this.sequences.get(id);
    return sequence === undefined ? `trial ${id.slice(0, 8)}` : `trial ${sequence}`;
  }

  private trialText(t: TrialView): string {
    const name = `trial ${t.sequence}`;
    const trained = t.runtime ? ` · ${t.runtime.backend}${t.runtime.adapter ? ` on ${t.runtime.adapter}` : ''}` : '';
    switch (t.status) {
      case 'PENDING':
        return t.attempt > 0 ? `${name} back in the queue${t.error ? `: ${errorLine(t.error)}` : ''}` : `${name} proposed: ${t.label}`;
      case 'RUNNING':
        return `${name} running${t.attempt > 1 ? ` (attempt ${t.attempt})` : ''}${t.workerId ? ` on ${t.workerId}` : ''}`;
      case 'SUCCEEDED':
        return t.duplicateOfId !== null ? `${name} answered from an earlier trial: reward ${reward(t.reward)} · ${t.label}` : `${name} succeeded: reward ${reward(t.reward)}${trained} · ${t.label}`;
      case 'FAILED':
        return `${name} failed${t.duplicateOfId !== null ? ' (as the earlier trial it repeats)' : ''}: ${errorLine(t.error ?? 'no error message')}`;
      case 'PRUNED':
        return `${name} pruned at ${reward(t.reward)}${trained}: ${errorLine(t.error ?? 'no reason given')}`;
      default:
        return `${name} ${t.status.toLowerCase()}${t.error ? `: ${errorLine(t.error)}` : ''}`;
    }
  }

  private text(event: WatchEvent): string | null {
    switch (event.topic) {
      case 'experiment': {
        const status = `${event.experiment.status}${event.experiment.endReason ? ` (${event.experiment.endReason})` : ''}`;
        if (status === this.status) return null;
        this.status = status;
        return `experiment ${status}`;
      }
      case 'trial':
        this.sequences.set(event.trial.id, event.trial.sequence);
        return this.trialText(event.trial);
      case 'metric':
        return `${this.trialName(event.metric.trialId)} epoch ${event.metric.step}: ${event.metric.name} ${event.metric.value.toFixed(4)}`;
      case 'policy': {
        const p = event.policy;
        const stat = (name: string, value: number | null): string => (value === null ? '' : ` · ${name} ${value.toFixed(3)}`);
        return `policy step ${p.step} (${p.observedTrials} trials)${stat('mean reward', p.meanReward)}${stat('baseline', p.baseline)}${stat('entropy', p.entropy)}`;
      }
    }
  }
}

/** `graphnas watch …`; returns the exit status. */
export async function watchCommand(
  args: readonly string[],
  config: Config,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parse(args, { ...TARGET_OPTIONS, after: { type: 'string' } }, WATCH_USAGE);
  const [id, ...extra] = positionals;
  if (id === undefined) throw new UsageError('graphnas watch needs the experiment id (graphnas experiments list shows them)', WATCH_USAGE);
  if (extra[0] !== undefined) throw new UsageError(`unexpected argument "${extra[0]}"`, WATCH_USAGE);
  const where = target(values, WATCH_USAGE);
  const after = values.after === undefined ? null : integer('after', values.after, 0, 0, Number.MAX_SAFE_INTEGER, WATCH_USAGE);
  const backend = await openBackend(`watch ${id}`, where, config, err);
  try {
    const start = await backend.experiment(id, 1);
    const finished = isExperimentFinished(start.status as ExperimentStatus);
    const from = after ?? start.eventId;
    const text = new EventText(out);
    if (!where.json) {
      const best = start.bestTrial ? `, best ${reward(start.bestTrial.reward)} (trial ${start.bestTrial.sequence})` : '';
      out.write(
        `experiment ${start.id} (${start.name}): ${start.status}${start.endReason ? ` (${start.endReason})` : ''}, ` +
          `${start.progress.finishedEvaluations}/${start.progress.maxTrials} evaluations${best}; ` +
          `${from === 0 ? 'from its first event' : `after event ${from}`}${finished ? '' : ', live'}\n`,
      );
    }
    const end = await backend.watch({ id: start.id, status: start.status, endReason: start.endReason, finished, eventId: start.eventId }, from, (event) =>
      where.json ? out.write(`${JSON.stringify(event)}\n`) : text.print(event),
    );
    if (where.json) out.write(`${JSON.stringify({ end })}\n`);
    else if (end.note === null) {
      const final = await backend.experiment(id, 1);
      out.write(`ended ${final.status}${final.endReason ? ` (${final.endReason})` : ''}${final.bestTrial ? `; best: ${final.bestTrial.label} (trial ${final.bestTrial.sequence}, ${reward(final.bestTrial.reward)})` : ''}\n`);
    }
    if (end.note !== null) err.write(`graphnas watch: ${end.note}\n`);
    return end.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await backend.close();
  }
}
