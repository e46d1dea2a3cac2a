import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { checkKey, checkName, type ArtifactStore, type FileInfo, type StoredFile } from './artifact-store.js';

/**
 * Artifacts as directories under one root (`GRAPHNAS_ARTIFACT_DIR`). A put writes a
 * fresh directory beside the target and renames it into place, so a crash leaves either
 * the previous files or the new ones (and at worst a `.staging-` directory beside them,
 * which no key can name).
 */
export class DirArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(root: string) {
    this.location = resolve(root);
  }

  async put(key: string, files: readonly StoredFile[]): Promise<FileInfo[]> {
    const target = this.path(key);
    const names = new Set<string>();
    for (const f of files) {
      checkName(f.name);
      if (names.has(f.name)) throw new Error(`artifact ${key}: file ${f.name} given twice`);
      names.add(f.name);
    }
    await mkdir(dirname(target), { recursive: true });
    const staging = join(dirname(target), `.staging-${randomUUID()}`);
    await mkdir(staging);
    try {
      for (const f of files) await writeFile(join(staging, f.name), f.bytes);
      // rename() does not replace a non-empty directory: move the old one aside first.
      const old = join(dirname(target), `.staging-${randomUUID()}`);
      const hadOld = await rename(target, old).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      await rename(staging, target);
      if (hadOld) await rm(old, { recursive: true, force: true });
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      throw error;
    }
    return files.map((f) => ({ name: f.name, bytes: f.bytes.byteLength }));
  }

  async read(key: string, name: string): Promise<Uint8Array | null> {
    const path = join(this.path(key), checkName(name));
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw error;
    }
  }

  async list(key: string): Promise<FileInfo[]> {
    const dir = this.path(key);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const infos = await Promise.all(names.sort().map(async (name) => ({ name, bytes: (await stat(join(dir, name))).size })));
    return infos;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { recursive: true, force: true });
  }

  private path(key: string): string {
    return join(this.location, ...checkKey(key).split('/'));
  }
}
