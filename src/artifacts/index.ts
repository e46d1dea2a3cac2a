export { ArtifactPathError, checkKey, checkName, experimentArtifactKey, trialArtifactKey, type ArtifactStore, type FileInfo, type StoredFile } from './artifact-store.js';
export { DirArtifactStore } from './dir-artifact-store.js';
