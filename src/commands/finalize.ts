import type { Config } from '../config.js';
import type { FinalizeInput } from '../core/finalization/finalization.service.js';
import type { Stat } from '../core/finalization/summary.js';
import type { RemoteService } from '../remote/client.js';
import { commandLogger, integer, parse, printJson, target, TARGET_OPTIONS, TARGET_USAGE, UsageError, type Target } from './args.js';
import { reward, seconds, table } from './text.js';

export const FINALIZE_USAGE = `usage: graphnas finalize EXPERIMENT [--top-k K] [--seeds S] [--epochs N] [--budget JSON]
                         [--inherit] [--url URL] [--key KEY] [--json]

  The second stage of a search: retrains the K best distinct architectures of a finished
  experiment at a final budget with S seeds each, tests every finalist once on the
  held-out test split, picks the winner by validation and keeps its model (then:
  graphnas export EXPERIMENT --out DIR). Waits until the finalization ends.

  --top-k K     finalists (default 5)
  --seeds S     seeds per finalist (default 3; 1 for a table)
  --epochs N    epochs of the final training (default: the dataset's final default)
  --budget JSON other final-budget options, e.g. '{"trainSubset":20000}'
  --inherit     also start a replicate of every seed from the proxy trial's weights
${TARGET_USAGE}`;

/** What the command prints, from the store or the API alike. */
interface FinalistRow {
  readonly proxyRank: number;
  readonly proxyReward: number;
  readonly validation: Stat | null;
  readonly test: Stat | null;
  readonly failed: number;
  readonly bestReplicateId: string | null;
}

interface Outcome {
  readonly experimentId: string;
  readonly status: string;
  readonly error: string | null;
  readonly finalists: readonly FinalistRow[];
  readonly winnerRank: number | null;
  readonly spearman: number | null;
  readonly spearmanTest: number | null;
  readonly inheritance: { readonly validationGain: Stat | null; readonly testGain: Stat | null } | null;
  readonly wallSeconds: number;
}

function input(values: { 'top-k'?: string; seeds?: string; epochs?: string; budget?: string; inherit?: boolean }): FinalizeInput {
  let budget: Record<string, unknown> = {};
  if (values.budget !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.budget);
    } catch (error) {
      throw new UsageError(`--budget is not JSON: ${error instanceof Error ? error.message : String(error)}`, FINALIZE_USAGE);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--budget must be a JSON object', FINALIZE_USAGE);
    budget = parsed as Record<string, unknown>;
  }
  if (values.epochs !== undefined) budget = { ...budget, epochs: integer('epochs', values.epochs, 0, 1, 10_000, FINALIZE_USAGE) };
  return {
    topK: values['top-k'] === undefined ? null : integer('top-k', values['top-k'], 0, 1, 50, FINALIZE_USAGE),
    seeds: values.seeds === undefined ? null : integer('seeds', values.seeds, 0, 1, 10, FINALIZE_USAGE),
    budget,
    inheritWeights: values.inherit === true,
  };
}

/** `graphnas finalize`: starts a finalization, follows it to its end, prints the finalists. */
export async function finalizeCommand(args: readonly string[], config: Config, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parse(
    args,
    { ...TARGET_OPTIONS, 'top-k': { type: 'string' }, seeds: { type: 'string' }, epochs: { type: 'string' }, budget: { type: 'string' }, inherit: { type: 'boolean' } },
    FINALIZE_USAGE,
  );
  const [experimentId, ...extra] = positionals;
  if (experimentId === undefined) throw new UsageError('graphnas finalize needs an EXPERIMENT id', FINALIZE_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, FINALIZE_USAGE);
  const t = target(values, FINALIZE_USAGE);
  const asked = input(values);
  const progress = (line: string): void => {
    if (!t.json) out.write(`${line}\n`);
  };
  const outcome = t.url === null ? await finalizeInStore(experimentId, asked, config, progress) : await finalizeRemote(experimentId, asked, remote(t, config), progress);
  if (t.json) printJson(out, outcome);
  else out.write(`${describe(outcome)}\n`);
  return outcome.status === 'SUCCEEDED' ? 0 : 1;
}

function remote(t: Target, config: Config): RemoteService {
  return { url: t.url!, apiKey: t.key ?? config.apiKey, timeoutMs: 60_000 };
}

/**
 * On the store: this process runs the finalists itself, on the scheduler `graphnas serve`
 * would use (the same leases and retries; a finalization this process leaves unfinished
 * resumes in the next one that runs a scheduler on the store).
 */
async function finalizeInStore(experimentId: string, asked: FinalizeInput, config: Config, progress: (line: string) => void): Promise<Outcome> {
  const started = performance.now();
  const [{ openOwnedStore }, { openServices }, { Topic }, { FinalizationStatus }, { TrialStatus, isTrialFinished }, { configureMachine }, { selectBackend }] = await Promise.all([
    import('./owned-store.js'),
    import('../server.js'),
    import('../core/events/topics.js'),
    import('../core/finalization/finalization-status.js'),
    import('../core/trials/trial-status.js'),
    import('../evaluation/machine.js'),
    import('../evaluation/backend/index.js'),
  ]);
  const logger = await commandLogger(config);
  configureMachine({ backend: config.tfBackend, fashionMnistDir: config.fashionMnistDir });
  const database = await openOwnedStore(config, logger, config.dbPoolSize, (url) => `Nothing was changed. Finalize through it instead: graphnas finalize ${experimentId} --url ${url}`);
  try {
    await database.migrate();
    await selectBackend({ log: (msg, fields) => logger.debug(fields ?? {}, msg) });
    const services = await openServices(database, { ...config, scheduler: true }, logger);
    try {
      const ended = new Promise<void>((resolveEnded) => {
        services.events.onEvent((e) => {
          if (e.key !== experimentId) return;
          if (e.topic === Topic.FinalizationUpdated && e.payload.status !== FinalizationStatus.RUNNING) resolveEnded();
          else if (e.topic === Topic.TrialUpdated && e.payload.stage === 'FINAL' && isTrialFinished(e.payload.status)) {
            const test = e.payload.finalMetrics?.test_accuracy;
            progress(`  finalist trial ${e.payload.id.slice(0, 8)} (seed #${(e.payload.final?.replicate ?? 0) + 1}) ${e.payload.status}${e.payload.status === TrialStatus.SUCCEEDED ? `: val ${reward(e.payload.reward)}, test ${reward(test)}` : e.payload.error ? `: ${e.payload.error.split('\n')[0]}` : ''}`);
          }
        });
      });
      const record = await services.finalizations.finalize(experimentId, asked, null);
      progress(`finalizing experiment ${experimentId}: top ${record.spec.topK} × ${record.spec.seeds} seeds, budget ${JSON.stringify(record.spec.budget)}`);
      await services.scheduler!.start();
      await ended;
      await services.scheduler!.stop();
      const experiment = await services.experiments.get(experimentId, null);
      const view = await services.finalizations.view(experimentId, experiment.objective);
      if (view === null) throw new Error(`the finalization of ${experimentId} vanished`);
      const { summary } = view;
      return {
        experimentId,
        status: view.record.status,
        error: view.record.error,
        finalists: summary.finalists,
        winnerRank: summary.winner?.proxyRank ?? null,
        spearman: summary.spearman,
        spearmanTest: summary.spearmanTest,
        inheritance: summary.inheritance,
        wallSeconds: (performance.now() - started) / 1000,
      };
    } finally {
      await services.scheduler?.stop();
      await services.events.close();
    }
  } finally {
    await database.close();
  }
}

const STAT = 'mean std n';
const FINALIZATION = `experimentId status error spearman spearmanTest
  finalists { proxyRank proxyReward validation { ${STAT} } test { ${STAT} } failed bestReplicate { id } }
  winner { proxyRank } inheritance { validationGain { ${STAT} } testGain { ${STAT} } }`;

interface RemoteFinalization {
  readonly experimentId: string;
  readonly status: string;
  readonly error: string | null;
  readonly spearman: number | null;
  readonly spearmanTest: number | null;
  readonly finalists: readonly (Omit<FinalistRow, 'bestReplicateId'> & { readonly bestReplicate: { readonly id: string } | null })[];
  readonly winner: { readonly proxyRank: number } | null;
  readonly inheritance: Outcome['inheritance'];
}

/**
 * Through a service: the finalists run wherever it runs trials (its pool, its workers).
 * Followed by asking every second: the answer is a summary, not a stream, and a
 * finalization lasts minutes.
 */
async function finalizeRemote(experimentId: string, asked: FinalizeInput, service: RemoteService, progress: (line: string) => void): Promise<Outcome> {
  const started = performance.now();
  const { request } = await import('../remote/client.js');
  const first = await request<{ finalizeExperiment: RemoteFinalization & { topK: number; seeds: number } }>(
    service,
    'finalizeExperiment',
    `mutation($id: ID!, $input: FinalizeExperimentInput) { finalizeExperiment(id: $id, input: $input) { topK seeds ${FINALIZATION} } }`,
    { id: experimentId, input: asked },
  );
  progress(`finalizing experiment ${experimentId} on ${service.url}: top ${first.finalizeExperiment.topK} × ${first.finalizeExperiment.seeds} seeds`);
  let current: RemoteFinalization = first.finalizeExperiment;
  let done = -1;
  while (current.status === 'RUNNING') {
    await new Promise((resolveLater) => setTimeout(resolveLater, 1000));
    const data = await request<{ experiment: { finalization: RemoteFinalization | null } | null }>(service, 'the finalization', `query($id: ID!) { experiment(id: $id) { finalization { ${FINALIZATION} } } }`, { id: experimentId });
    current = data.experiment?.finalization ?? current;
    const finished = current.finalists.reduce((n, f) => n + (f.validation?.n ?? 0) + f.failed, 0);
    if (finished !== done) progress(`  ${finished} of ${current.finalists.length * first.finalizeExperiment.seeds} finalist trials finished`);
    done = finished;
  }
  return {
    experimentId,
    status: current.status,
    error: current.error,
    finalists: current.finalists.map(({ bestReplicate, ...f }) => ({ ...f, bestReplicateId: bestReplicate?.id ?? null })),
    winnerRank: current.winner?.proxyRank ?? null,
    spearman: current.spearman,
    spearmanTest: current.spearmanTest,
    inheritance: current.inheritance,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

function spread(s: Stat | null): string {
  if (s === null) return '—';
  return s.std === null ? `${reward(s.mean)} (n=${s.n})` : `${reward(s.mean)} ± ${reward(s.std)} (n=${s.n})`;
}

function describe(o: Outcome): string {
  const rows = o.finalists.map((f) => [f.proxyRank === o.winnerRank ? `${f.proxyRank} ★` : String(f.proxyRank), reward(f.proxyReward), spread(f.validation), spread(f.test), String(f.failed)]);
  const lines = [`finalization of ${o.experimentId}: ${o.status} in ${seconds(o.wallSeconds)}${o.error ? ` (${o.error})` : ''}`, table(['proxy rank', 'proxy', 'final validation', 'test', 'failed'], rows, new Set([1]))];
  if (o.spearman !== null) {
    const verdict = o.spearman >= 0.7 ? 'the proxy ranked them much as full training did' : o.spearman >= 0.3 ? 'the proxy ranking is a rough guide' : 'the proxy ranking did not predict the final one: give the proxy more budget next time';
    lines.push(`proxy vs final (Spearman over the finalists): ${o.spearman.toFixed(2)}; ${verdict}`);
  }
  if (o.inheritance) lines.push(`weight inheritance: validation ${spread(o.inheritance.validationGain)}, test ${spread(o.inheritance.testGain)} (inherited minus cold start)`);
  const winner = o.finalists.find((f) => f.proxyRank === o.winnerRank);
  if (winner?.bestReplicateId) lines.push(`winner by validation: proxy rank ${winner.proxyRank}; its model: graphnas export ${o.experimentId} --out DIR`);
  return lines.join('\n');
}
