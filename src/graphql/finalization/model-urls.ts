import { MODEL_CARD_FILE } from '../../core/finalization/model-card.js';
import type { TrialRecord } from '../../core/storage/records.js';
import type { TrialModel } from './finalization.type.js';

/** Where the HTTP layer serves artifacts (src/http/artifacts.ts); URLs in the API are relative to the server. */
export const ARTIFACTS_PATH = '/artifacts';

export function artifactUrl(key: string, name: string): string {
  return `${ARTIFACTS_PATH}/${key}/${encodeURIComponent(name)}`;
}

export function modelOf(trial: TrialRecord): TrialModel | null {
  const a = trial.artifact;
  if (a === null) return null;
  const m = a.model;
  return {
    modelUrl: artifactUrl(a.key, 'model.json'),
    cardUrl: artifactUrl(a.key, MODEL_CARD_FILE),
    files: a.files.map((f) => ({ name: f.name, bytes: f.bytes, url: artifactUrl(a.key, f.name) })),
    inputShape: [...m.inputShape],
    numClasses: m.numClasses,
    classNames: m.classNames === null ? null : [...m.classNames],
    dataset: m.dataset,
    preprocessing: m.preprocessing,
    params: m.params,
    flops: m.flops,
    latencyBatch1Ms: m.latencyMs?.batch1 ?? null,
    latencyBatch64MsPerSample: m.latencyMs?.batch64PerSample ?? null,
  };
}
