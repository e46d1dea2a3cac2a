import DataLoader from 'dataloader';
import type { BestSoFarPoint } from '../core/experiments/experiment.service.js';
import type { Services } from '../core/services.js';
import type { ExperimentRecord, SearchSpaceRecord, TrialMetricRecord, TrialRecord } from '../core/storage/records.js';
import type { TrialTally } from '../core/storage/storage.js';

/**
 * What the fields of a list load once per parent, gathered per request: every parent's
 * load of one kind in a tick becomes one call of the service's batch method, so a page
 * of 20 experiments costs the same few queries as one (DataLoader's recipe, as Apollo's
 * docs give it).
 *
 * One set per request (per HTTP request; per WebSocket operation, and per event a
 * subscription delivers, so that a long subscription never answers from an earlier
 * event's reads). Never shared between requests: a cached read belongs to one caller and
 * one moment. The limits see none of this: a field costs what its `complexity` says,
 * however its data is fetched.
 */
export interface Loaders {
  readonly tally: DataLoader<string, TrialTally>;
  readonly bestTrial: DataLoader<ExperimentRecord, TrialRecord | null, string>;
  readonly leaderboard: DataLoader<{ readonly experiment: ExperimentRecord; readonly top: number }, TrialRecord[], string>;
  readonly bestSoFar: DataLoader<ExperimentRecord, BestSoFarPoint[], string>;
  /** An experiment's search space, in the experiment's project. */
  readonly searchSpace: DataLoader<ExperimentRecord, SearchSpaceRecord, string>;
  readonly experiment: DataLoader<string, ExperimentRecord>;
  readonly metrics: DataLoader<{ readonly trialId: string; readonly name: string | null }, TrialMetricRecord[], string>;
  readonly lastEventId: DataLoader<string, number>;
}

/**
 * Answers each key from a map keyed by id (a null value is an answer: an experiment
 * with no best trial yet); a key the batch did not answer is a bug, said as one.
 */
function inOrder<K, V>(keys: readonly K[], id: (key: K) => string, found: ReadonlyMap<string, V | Error>): (V | Error)[] {
  return keys.map((key) => answerOf(found, id(key)));
}

function answerOf<V>(found: ReadonlyMap<string, V | Error>, id: string): V | Error {
  return found.has(id) ? found.get(id)! : new Error(`the batch did not answer ${id}`);
}

/**
 * Loads keys that carry an argument (`top`, a metric's name) one batch per distinct
 * argument: a page asks with one value, so this is one query; an error of one argument
 * (an invalid `top`) fails only the fields that gave it.
 */
async function byArgument<K, A, V>(keys: readonly K[], argument: (key: K) => A, id: (key: K) => string, load: (keys: K[], argument: A) => Promise<ReadonlyMap<string, V>>): Promise<(V | Error)[]> {
  const groups = new Map<A, K[]>();
  for (const key of keys) groups.set(argument(key), [...(groups.get(argument(key)) ?? []), key]);
  const answers = new Map<A, ReadonlyMap<string, V> | Error>();
  await Promise.all(
    [...groups].map(async ([value, group]) => {
      answers.set(value, await load(group, value).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))));
    }),
  );
  return keys.map((key) => {
    const answer = answers.get(argument(key))!;
    return answer instanceof Error ? answer : answerOf(answer, id(key));
  });
}

const experimentKey = (e: ExperimentRecord): string => e.id;

export function createLoaders(services: Services): Loaders {
  const { experiments, searchSpaces, trials } = services;
  return {
    tally: new DataLoader(async (ids) => inOrder(ids, String, await experiments.tallies(ids))),
    bestTrial: new DataLoader(async (keys) => inOrder(keys, experimentKey, await experiments.bestTrials(keys)), { cacheKeyFn: experimentKey }),
    leaderboard: new DataLoader(
      (keys) =>
        byArgument(
          keys,
          (k) => k.top,
          (k) => k.experiment.id,
          (group, top) => experiments.leaderboards(group.map((k) => k.experiment), top),
        ),
      { cacheKeyFn: (k) => `${k.experiment.id}:${k.top}` },
    ),
    bestSoFar: new DataLoader(async (keys) => inOrder(keys, experimentKey, await experiments.bestSoFarCurves(keys)), { cacheKeyFn: experimentKey }),
    searchSpace: new DataLoader<ExperimentRecord, SearchSpaceRecord, string>((keys) => searchSpaces.getMany(keys.map((e) => ({ id: e.searchSpaceId, scope: e.project }))), {
      cacheKeyFn: (e) => `${e.searchSpaceId}:${e.project}`,
    }),
    experiment: new DataLoader<string, ExperimentRecord>(async (ids) => inOrder(ids, String, await experiments.getMany(ids))),
    metrics: new DataLoader(
      (keys) =>
        byArgument(
          keys,
          (k) => k.name,
          (k) => k.trialId,
          (group, name) => trials.metricsOf(group.map((k) => k.trialId), name),
        ),
      { cacheKeyFn: (k) => `${k.trialId}:${k.name ?? ''}` },
    ),
    lastEventId: new DataLoader(async (ids) => inOrder(ids, String, await experiments.lastEventIds(ids))),
  };
}
