import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DirArtifactStore } from '../artifacts/index.js';
import type { Config } from '../config.js';
import { FinalizationService } from '../core/finalization/finalization.service.js';
import { MODEL_CARD_FILE } from '../core/finalization/model-card.js';
import { openOwnedStore } from './owned-store.js';
import { createTypeormStorage } from '../db/repositories/typeorm-storage.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { GraphnasError } from '../errors/index.js';
import type { Logger } from '../logger.js';
import { createPluginCatalog } from '../plugins.js';
import { authorization, request, RemoteServiceError, type RemoteService } from '../remote/client.js';

export const EXPORT_USAGE = `usage: graphnas export EXPERIMENT --out DIR [--trial TRIAL] [--url URL] [--key KEY] [--json]

  Writes a finalist's model to DIR: model.json and its weights (tf.loadLayersModel reads
  them in the browser and in Node), architecture.json, preprocessing.json and
  MODEL_CARD.md. The winner of the experiment's finalization unless --trial names
  another finished finalist (a FINAL trial).

  --url URL   export from the running service at URL (its key: --key or
              GRAPHNAS_API_KEY); without it the store is opened directly, with the
              models in GRAPHNAS_ARTIFACT_DIR
  --json      print what was written as JSON`;

/** Where a model's files come from: the store and artifact directory, or a service's API. */
interface ModelSource {
  /** The trial whose model is exported and its file names (the model card included). */
  resolve(experimentId: string, trialId: string | null): Promise<{ trialId: string; files: string[] }>;
  read(experimentId: string, trialId: string, name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

async function storeSource(config: Config, logger: Logger): Promise<ModelSource> {
  const database = await openOwnedStore(config, logger, 2, (url) => `Export through it instead: graphnas export … --url ${url}`);
  await database.migrate();
  const storage = createTypeormStorage(database.dataSource, { notify: false, afterCommit: { committed: () => undefined } });
  const finalizations = new FinalizationService(storage, createPluginCatalog(), new DirArtifactStore(config.artifactDir));
  return {
    async resolve(experimentId, trialId) {
      const id = trialId ?? (await winnerOf(storage, finalizations, experimentId));
      const trial = await storage.trials.findById(id);
      if (trial === null || trial.experimentId !== experimentId || trial.artifact === null) throw new NotFoundError('model of trial', id);
      return { trialId: id, files: [...trial.artifact.files.map((f) => f.name), MODEL_CARD_FILE] };
    },
    async read(experimentId, trialId, name) {
      return (await finalizations.modelFile(experimentId, trialId, name, null)).bytes;
    },
    close: () => database.close(),
  };
}

async function winnerOf(storage: ReturnType<typeof createTypeormStorage>, finalizations: FinalizationService, experimentId: string): Promise<string> {
  const experiment = await storage.experiments.findById(experimentId);
  if (experiment === null) throw new NotFoundError('experiment', experimentId);
  const view = await finalizations.view(experimentId, experiment.objective);
  const winner = view?.summary.winner?.bestReplicateId ?? null;
  if (winner === null) throw noWinner(experimentId, view?.record.status ?? null);
  return winner;
}

function noWinner(experimentId: string, status: string | null): GraphnasError {
  return new GraphnasError(
    'CONFLICT',
    status === null
      ? `experiment ${experimentId} has not been finalised: finalizeExperiment (GraphQL) or graphnas finalize EXPERIMENT first`
      : `the finalization of experiment ${experimentId} is ${status} and has no winner with a model yet`,
  );
}

interface RemoteModel {
  readonly id: string;
  readonly model: { readonly files: readonly { readonly name: string; readonly url: string }[]; readonly cardUrl: string } | null;
}

function apiSource(service: RemoteService): ModelSource {
  const urls = new Map<string, string>();
  const origin = new URL(service.url).origin;
  return {
    async resolve(experimentId, trialId) {
      let trial: RemoteModel | null;
      if (trialId === null) {
        const data = await request<{ experiment: { finalization: { status: string; winner: { bestReplicate: RemoteModel | null } | null } | null } | null }>(
          service,
          'the experiment’s finalization',
          `query($id: ID!) { experiment(id: $id) { finalization { status winner { bestReplicate { id model { files { name url } cardUrl } } } } } }`,
          { id: experimentId },
        );
        if (data.experiment === null) throw new NotFoundError('experiment', experimentId);
        trial = data.experiment.finalization?.winner?.bestReplicate ?? null;
        if (trial === null) throw noWinner(experimentId, data.experiment.finalization?.status ?? null);
      } else {
        const data = await request<{ trial: (RemoteModel & { experimentId: string }) | null }>(
          service,
          'the trial',
          `query($id: ID!) { trial(id: $id) { id experimentId model { files { name url } cardUrl } } }`,
          { id: trialId },
        );
        trial = data.trial?.experimentId === experimentId ? data.trial : null;
      }
      if (trial?.model == null) throw new NotFoundError('model of trial', trialId ?? experimentId);
      for (const f of trial.model.files) urls.set(f.name, f.url);
      urls.set(MODEL_CARD_FILE, trial.model.cardUrl);
      return { trialId: trial.id, files: [...urls.keys()] };
    },
    async read(_experimentId, _trialId, name) {
      const url = `${origin}${urls.get(name)!}`;
      const response = await fetch(url, { headers: authorization(service.apiKey) }).catch((error: unknown) => {
        throw new RemoteServiceError(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`, null, { cause: error });
      });
      if (!response.ok) {
        const body = (await response.json().catch(() => null)) as { errors?: { message: string; extensions?: { code?: string } }[] } | null;
        const first = body?.errors?.[0];
        throw new RemoteServiceError(`${url} answered HTTP ${response.status}${first ? `: ${first.message}` : ''}`, first?.extensions?.code ?? null);
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    close: () => Promise.resolve(),
  };
}

/** `graphnas export`: a finalist's model directory, ready for tf.loadLayersModel and `graphnas predict`. */
export async function exportCommand(args: readonly string[], config: Config, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { out: { type: 'string' }, trial: { type: 'string' }, url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    out.write(`${EXPORT_USAGE}\n`);
    return 0;
  }
  const [experimentId, ...extra] = positionals;
  if (experimentId === undefined || extra.length > 0 || values.out === undefined) throw InvalidInputError.field('arguments', `expected one EXPERIMENT id and --out DIR\n${EXPORT_USAGE}`);
  const source = values.url ? apiSource({ url: values.url, apiKey: values.key ?? config.apiKey, timeoutMs: 60_000 }) : await storeSource(config, logger);
  try {
    const { trialId, files } = await source.resolve(experimentId, values.trial ?? null);
    const dir = resolve(values.out);
    await mkdir(dir, { recursive: true });
    const written: { name: string; bytes: number }[] = [];
    for (const name of files) {
      const bytes = await source.read(experimentId, trialId, name);
      await writeFile(join(dir, name), bytes);
      written.push({ name, bytes: bytes.byteLength });
    }
    if (values.json) out.write(`${JSON.stringify({ experimentId, trialId, dir, files: written })}\n`);
    else {
      out.write(`exported the model of trial ${trialId} to ${dir}\n`);
      for (const f of written) out.write(`  ${f.name.padEnd(20)} ${f.bytes.toLocaleString('en-US')} bytes\n`);
      out.write(`try it: graphnas predict ${values.out} IMAGE.png\n`);
    }
    return 0;
  } finally {
    await source.close();
  }
}
