import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The checkout's root, from test/deploy in any build directory (dist-NAME/test/deploy). */
export const ROOT = join(__dirname, '..', '..', '..');
export const KUBERNETES_DIR = join(ROOT, 'deploy', 'kubernetes');

/** A parsed manifest: what kubectl would send, as plain JSON. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
  readonly [field: string]: unknown;
}

export interface SourcedManifest {
  /** Relative to deploy/kubernetes. */
  readonly file: string;
  readonly object: Manifest;
}

/** Every YAML document of a file, failing on a syntax error or a warning (duplicate keys and the like). */
export function parseYamlFile(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'), { uniqueKeys: true, strict: true });
  // parseAllDocuments returns an EmptyStream for a file that has no documents at all.
  if (!Array.isArray(documents)) return [];
  return documents.map((document) => {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) throw new Error(`${path}: ${problems.map((p) => p.message).join('; ')}`);
    return document.toJS() as unknown;
  });
}

export function yamlFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(entry)) files.push(path);
  }
  return files.sort();
}

export interface Kustomization {
  readonly namespace?: string;
  readonly resources?: string[];
  readonly secretGenerator?: { name: string; envs?: string[]; literals?: string[]; files?: string[]; options?: { disableNameSuffixHash?: boolean } }[];
  readonly images?: { name: string; newName?: string; newTag?: string }[];
}

export function readKustomization(dir: string): Kustomization {
  const [document, ...rest] = parseYamlFile(join(dir, 'kustomization.yaml'));
  if (rest.length > 0) throw new Error(`${dir}/kustomization.yaml: one document expected`);
  return document as Kustomization;
}

/** A secret made by a generator: its name and the keys of the env file's example. */
export interface GeneratedSecret {
  readonly name: string;
  readonly keys: Set<string>;
  /** The env files it reads, relative to deploy/kubernetes. */
  readonly envFiles: string[];
}

/** KEY=value lines of an env file (kustomize's `envs`), comments and blanks skipped. */
export function envKeys(path: string): Set<string> {
  const keys = new Set<string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_.-]*)=/.exec(trimmed);
    if (!match) throw new Error(`${path}: not a KEY=value line: ${line}`);
    keys.add(match[1]);
  }
  return keys;
}

/** What one `kubectl apply -k DIR` would apply, read without kustomize: its resources, recursively, and its generated secrets. */
export interface Build {
  readonly namespace: string | null;
  readonly objects: SourcedManifest[];
  readonly secrets: GeneratedSecret[];
  /** The kustomization files and resource files this build read, relative to deploy/kubernetes. */
  readonly read: Set<string>;
}

/**
 * Reads a kustomization and the ones it lists, as `kubectl kustomize` would gather
 * them; `replace` swaps one listed resource for another (a variant such as workers/cpu).
 */
export function gather(dir: string, replace: Readonly<Record<string, string>> = {}): Build {
  const kustomization = readKustomization(dir);
  const read = new Set([relative(KUBERNETES_DIR, join(dir, 'kustomization.yaml'))]);
  const objects: SourcedManifest[] = [];
  const secrets: GeneratedSecret[] = [];
  for (const listed of kustomization.resources ?? []) {
    const resource = replace[listed] ?? listed;
    const path = join(dir, resource);
    if (!existsSync(path)) throw new Error(`${relative(KUBERNETES_DIR, dir) || '.'}/kustomization.yaml lists ${resource}, which does not exist`);
    if (statSync(path).isDirectory()) {
      const inner = gather(path);
      objects.push(...inner.objects);
      secrets.push(...inner.secrets);
      for (const r of inner.read) read.add(r);
    } else {
      const file = relative(KUBERNETES_DIR, path);
      read.add(file);
      for (const object of parseYamlFile(path)) objects.push({ file, object: object as Manifest });
    }
  }
  for (const generator of kustomization.secretGenerator ?? []) {
    const envFiles = (generator.envs ?? []).map((env) => relative(KUBERNETES_DIR, join(dir, env)));
    const keys = new Set<string>();
    // The real env files are not committed (.gitignore): their examples say which keys they hold.
    for (const env of envFiles) for (const key of envKeys(join(KUBERNETES_DIR, `${env}.example`))) keys.add(key);
    secrets.push({ name: generator.name, keys, envFiles });
  }
  const namespace = kustomization.namespace ?? null;
  return { namespace, objects, secrets, read };
}

/** The pod template of a workload, or null for other kinds. */
export function podTemplate(object: Manifest): { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | null {
  if (object.kind !== 'Deployment' && object.kind !== 'StatefulSet' && object.kind !== 'Job') return null;
  return (object.spec as { template: { metadata?: { labels?: Record<string, string> }; spec: PodSpec } }).template;
}

export interface Probe {
  readonly httpGet?: { path?: string; port: string | number };
  readonly exec?: { command: string[] };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly ports?: { name?: string; containerPort: number }[];
  readonly env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readonly envFrom?: { secretRef?: { name: string } }[];
  readonly readinessProbe?: Probe;
  readonly livenessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

export interface PodSpec {
  readonly containers: Container[];
  readonly initContainers?: Container[];
  readonly volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; secret?: { secretName: string } }[];
}

export function containersOf(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Whether every pair of `selector` is among `labels` (a Service's or matchLabels' rule). */
export function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}
