import { GraphnasError } from '../errors/index.js';

/** One file of an artifact: a relative name without directories, and its bytes. */
export interface StoredFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface FileInfo {
  readonly name: string;
  readonly bytes: number;
}

/**
 * Where trained models live, by key (one directory-like prefix per finalist trial). The
 * directory implementation is the default; an object store (S3, GCS) implements the same
 * four calls. Keys and names are checked here, so no implementation can be led outside
 * its root by a crafted one.
 */
export interface ArtifactStore {
  /** Writes all of `files` under `key`, replacing what was there; a reader sees the old set or the new one, never a mix. */
  put(key: string, files: readonly StoredFile[]): Promise<FileInfo[]>;
  /** A file's bytes, or null when the key or the file does not exist. */
  read(key: string, name: string): Promise<Uint8Array | null>;
  list(key: string): Promise<FileInfo[]>;
  /** Removes the key and its files; nothing when absent. */
  delete(key: string): Promise<void>;
  /** Where it stores, for logs and `graphnas` messages. */
  readonly location: string;
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\/[A-Za-z0-9][A-Za-z0-9_-]{0,99}){0,3}$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

export class ArtifactPathError extends GraphnasError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

export function checkKey(key: string): string {
  if (!KEY.test(key)) throw new ArtifactPathError(`invalid artifact key ${JSON.stringify(key.slice(0, 120))}`);
  return key;
}

export function checkName(name: string): string {
  if (!NAME.test(name) || name.includes('..')) throw new ArtifactPathError(`invalid artifact file name ${JSON.stringify(name.slice(0, 120))}`);
  return name;
}

/** The key under which all of an experiment's models live. */
export function experimentArtifactKey(experimentId: string): string {
  return `experiments/${experimentId}`;
}

/** The key of a finalist trial's model. */
export function trialArtifactKey(experimentId: string, trialId: string): string {
  return `${experimentArtifactKey(experimentId)}/trials/${trialId}`;
}
