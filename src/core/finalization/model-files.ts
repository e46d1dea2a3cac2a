import { trialArtifactKey, type ArtifactStore } from '../../artifacts/index.js';
import type { ModelArtifact } from '../../evaluation/evaluator.js';
import type { TrialArtifact } from '../storage/records.js';

/**
 * Puts a finalist's model into the artifact store under its trial's key, before the trial
 * completes: a SUCCEEDED trial that names an artifact always has its files (a completion
 * refused afterwards leaves files that the next attempt overwrites).
 */
export async function storeModel(store: ArtifactStore, experimentId: string, trialId: string, model: ModelArtifact): Promise<TrialArtifact> {
  const key = trialArtifactKey(experimentId, trialId);
  const files = await store.put(key, model.files);
  return { key, files, model: model.model };
}
