import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { ServiceMetrics } from '../../src/metrics/service-metrics.js';
import type { RunningServer } from '../../src/server.js';
import { workerArguments } from '../../src/worker/worker-command.js';
import { WorkerMetrics } from '../../src/worker/worker-metrics.js';
import { backends } from '../helpers/backends.js';
import { startTestServer } from '../helpers/server.js';
import {
  KUBERNETES_DIR,
  ROOT,
  containersOf,
  envKeys,
  gather,
  podTemplate,
  selects,
  yamlFilesUnder,
  type Build,
  type Container,
  type Manifest,
  type Probe,
} from './manifests.js';

/** Validates a core object against its Kubernetes schema (kubernetes-models); throws with the schema's complaint. */
type Validator = (object: Manifest) => void;

/**
 * kubernetes-models is ESM only ("import" in its exports): loaded with import(), which
 * stays an import in this CommonJS build.
 */
async function coreValidators(): Promise<Map<string, Validator>> {
  const [core, apps, policy] = await Promise.all([import('kubernetes-models/v1'), import('kubernetes-models/apps/v1'), import('kubernetes-models/policy/v1')]);
  // The constructors take their own typed shapes; the YAML is checked by validate(), not by the compiler.
  const wrap =
    <T>(Model: new (data: T) => { validate(): void }): Validator =>
    (object) =>
      new Model(object as unknown as T).validate();
  return new Map<string, Validator>([
    ['v1/Namespace', wrap(core.Namespace)],
    ['v1/Service', wrap(core.Service)],
    ['v1/Secret', wrap(core.Secret)],
    ['v1/PersistentVolumeClaim', wrap(core.PersistentVolumeClaim)],
    ['apps/v1/Deployment', wrap(apps.Deployment)],
    ['apps/v1/StatefulSet', wrap(apps.StatefulSet)],
    ['policy/v1/PodDisruptionBudget', wrap(policy.PodDisruptionBudget)],
  ]);
}

/** The custom resources the manifests use, which no kubernetes-models schema covers. */
const CUSTOM_KINDS = new Set(['keda.sh/v1alpha1/ScaledObject', 'monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com/v1/PodMonitor']);

const typeOf = (object: Manifest): string => `${object.apiVersion}/${object.kind}`;

/** The builds someone applies: the default (GPU workers), its CPU variant, and the monitoring objects. */
function builds(): Record<string, Build> {
  return {
    default: gather(KUBERNETES_DIR),
    cpu: gather(KUBERNETES_DIR, { 'workers/gpu': 'workers/cpu' }),
    monitoring: gather(join(KUBERNETES_DIR, 'monitoring')),
  };
}

function find(build: Build, kind: string, name: string): Manifest | undefined {
  return build.objects.map((o) => o.object).find((o) => o.kind === kind && o.metadata.name === name);
}

/** The containers that run graphnas itself (not PostgreSQL), with the object they belong to. */
function graphnasContainers(build: Build): { owner: Manifest; container: Container }[] {
  const found: { owner: Manifest; container: Container }[] = [];
  for (const { object } of build.objects) {
    const template = podTemplate(object);
    if (template) for (const container of containersOf(template.spec)) if (container.image === 'graphnas') found.push({ owner: object, container });
  }
  return found;
}

/** The Dockerfile's ENTRYPOINT: what a container that names its own command must repeat. */
function dockerEntrypoint(): string[] {
  const line = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ENTRYPOINT '));
  assert.ok(line, 'the Dockerfile has an ENTRYPOINT');
  return JSON.parse(line.slice('ENTRYPOINT '.length)) as string[];
}

/** The environment variables loadConfig reads (what the process understands), found by watching it read. */
function configVariables(): Set<string> {
  const read = new Set<string>();
  loadConfig(
    new Proxy({} as Record<string, string | undefined>, {
      get(_target, key) {
        if (typeof key === 'string') read.add(key);
        return undefined;
      },
    }),
  );
  return read;
}

/** Metric names each registry exports, with the series names Prometheus makes of histograms. */
function exportedSeries(...registries: { getMetricsAsArray(): { name: string; type: unknown }[] }[]): Set<string> {
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of registry.getMetricsAsArray()) {
      names.add(metric.name);
      if (metric.type === 'histogram' || metric.type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

/**
 * kustomize folds a long secret's base64 over lines; the API server's decoder skips the
 * newlines, kubernetes-models' "byte" format does not.
 */
function unwrapSecretData(object: Manifest): Manifest {
  if (object.kind !== 'Secret' || typeof object.data !== 'object' || object.data === null) return object;
  return { ...object, data: Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([k, v]) => [k, v.replace(/\s/g, '')])) };
}

function probesOf(container: Container): [string, Probe][] {
  return (['startupProbe', 'livenessProbe', 'readinessProbe'] as const).filter((p) => container[p] !== undefined).map((p) => [p, container[p] as Probe]);
}

describe('the Kubernetes manifests', () => {
  const all = builds();
  let validators: Map<string, Validator>;

  before(async () => {
    validators = await coreValidators();
  });

  test('every YAML file under deploy/kubernetes is read by a kustomization, and every object has a kind we check', () => {
    const read = new Set([...all.default.read, ...all.cpu.read, ...all.monitoring.read]);
    const files = yamlFilesUnder(KUBERNETES_DIR).map((f) => relative(KUBERNETES_DIR, f));
    assert.deepEqual(
      files.filter((f) => !read.has(f)),
      [],
      'files no kustomization lists (kubectl apply -k would ignore them)',
    );
    for (const build of Object.values(all)) {
      for (const { file, object } of build.objects) {
        assert.ok(validators.has(typeOf(object)) || CUSTOM_KINDS.has(typeOf(object)), `${file}: ${typeOf(object)} is neither a core kind we validate nor a known custom resource`);
        assert.match(object.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: ${object.kind} needs a DNS-label name`);
        assert.equal(object.metadata.namespace, undefined, `${file}: the namespace is the kustomization's to set`);
      }
    }
  });

  test('every core object validates against the Kubernetes schema', () => {
    let validated = 0;
    for (const build of Object.values(all)) {
      for (const { file, object } of build.objects) {
        const validate = validators.get(typeOf(object));
        if (!validate) continue;
        assert.doesNotThrow(() => validate(object), `${file}: ${object.kind} ${object.metadata.name}`);
        validated += 1;
      }
    }
    assert.ok(validated >= 10, `validated ${validated} objects`);
  });

  test('the validation catches a broken object (it is not vacuous)', () => {
    const api = find(all.default, 'Deployment', 'graphnas-api');
    assert.ok(api);
    const broken = structuredClone(api) as Manifest & { spec: { template: { spec: { containers: { ports: { containerPort: unknown }[] }[] } } } };
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    assert.throws(() => validators.get('apps/v1/Deployment')?.(broken), /containerPort/);
  });

  test('the default build has the API behind a Service, the dev PostgreSQL, GPU workers and their autoscaler', () => {
    const build = all.default;
    assert.equal(build.namespace, 'graphnas');
    for (const [kind, name] of [
      ['Namespace', 'graphnas'],
      ['Deployment', 'graphnas-api'],
      ['Service', 'graphnas-api'],
      ['StatefulSet', 'graphnas-postgres'],
      ['Service', 'graphnas-postgres'],
      ['Deployment', 'graphnas-worker'],
      ['ScaledObject', 'graphnas-worker'],
    ]) {
      assert.ok(find(build, kind, name), `${kind} ${name}`);
    }
    const gpu = podTemplate(find(all.default, 'Deployment', 'graphnas-worker') as Manifest)?.spec.containers[0];
    assert.equal(gpu?.resources?.requests?.['nvidia.com/gpu'], 1);
    assert.equal(gpu?.resources?.limits?.['nvidia.com/gpu'], 1, 'extended resources need the limit too');
    const cpu = podTemplate(find(all.cpu, 'Deployment', 'graphnas-worker') as Manifest)?.spec.containers[0];
    assert.ok(cpu, 'the CPU variant has the worker Deployment under the same name');
    assert.equal(cpu.resources?.requests?.['nvidia.com/gpu'], undefined);
    assert.equal(cpu.resources?.limits?.['nvidia.com/gpu'], undefined);
  });

  test('selectors match their pods: Deployments and StatefulSets their templates, Services exactly the intended workload', () => {
    for (const build of [all.default, all.cpu]) {
      const workloads = build.objects.map((o) => o.object).filter((o) => podTemplate(o) !== null);
      for (const workload of workloads) {
        const selector = (workload.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        assert.ok(selects(selector, podTemplate(workload)?.metadata?.labels), `${workload.kind} ${workload.metadata.name}: its selector must match its template's labels`);
      }
      for (const service of build.objects.map((o) => o.object).filter((o) => o.kind === 'Service')) {
        const spec = service.spec as { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] };
        const selected = workloads.filter((w) => selects(spec.selector, podTemplate(w)?.metadata?.labels));
        assert.equal(selected.length, 1, `Service ${service.metadata.name} selects ${selected.map((w) => w.metadata.name).join(', ') || 'nothing'}`);
        const ports = podTemplate(selected[0])?.spec.containers.flatMap((c) => c.ports ?? []) ?? [];
        for (const port of spec.ports) {
          assert.ok(
            ports.some((p) => p.name === port.targetPort || p.containerPort === port.targetPort),
            `Service ${service.metadata.name}: targetPort ${port.targetPort} is no port of ${selected[0].metadata.name}`,
          );
        }
      }
      const api = find(build, 'Service', 'graphnas-api');
      assert.equal(find(build, 'Deployment', 'graphnas-api')?.metadata.name, 'graphnas-api');
      const workers = podTemplate(find(build, 'Deployment', 'graphnas-worker') as Manifest);
      assert.ok(!selects((api?.spec as { selector: Record<string, string> }).selector, workers?.metadata?.labels), 'the API Service must not send requests to workers');
      const postgres = find(build, 'StatefulSet', 'graphnas-postgres');
      assert.ok(find(build, 'Service', (postgres?.spec as { serviceName: string }).serviceName), 'the StatefulSet names its governing Service');
      const pdb = find(build, 'PodDisruptionBudget', 'graphnas-api');
      assert.ok(selects((pdb?.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels, podTemplate(find(build, 'Deployment', 'graphnas-api') as Manifest)?.metadata?.labels));
    }
  });

  test('every secret and key a pod reads is generated, from an example env file that holds that key; every volume claim exists', () => {
    for (const build of [all.default, all.cpu]) {
      const secrets = new Map(build.secrets.map((s) => [s.name, s.keys]));
      for (const { object } of build.objects) {
        const template = podTemplate(object);
        if (!template) continue;
        for (const container of containersOf(template.spec)) {
          for (const env of container.env ?? []) {
            const ref = env.valueFrom?.secretKeyRef;
            if (!ref) continue;
            assert.ok(secrets.has(ref.name), `${object.metadata.name}/${container.name}: ${env.name} reads secret ${ref.name}, which no generator makes`);
            assert.ok(secrets.get(ref.name)?.has(ref.key), `${object.metadata.name}/${container.name}: secret ${ref.name} has no key ${ref.key}`);
          }
          assert.equal(container.envFrom, undefined, 'explicit secretKeyRefs, so that this test can check every key');
        }
        for (const volume of template.spec.volumes ?? []) {
          if (volume.persistentVolumeClaim) assert.ok(find(build, 'PersistentVolumeClaim', volume.persistentVolumeClaim.claimName), `claim ${volume.persistentVolumeClaim.claimName}`);
        }
      }
      // The dev database's password and the API's URL must agree, or the API never connects.
      const url = new URL(readFileSync(join(KUBERNETES_DIR, 'secrets/api.env.example'), 'utf8').match(/^DATABASE_URL=(.*)$/m)?.[1] ?? '');
      const password = readFileSync(join(KUBERNETES_DIR, 'secrets/postgres.env.example'), 'utf8').match(/^POSTGRES_PASSWORD=(.*)$/m)?.[1];
      assert.equal(decodeURIComponent(url.password), password);
      assert.equal(url.hostname, 'graphnas-postgres');
      assert.ok(find(build, 'Service', url.hostname));
      const postgresEnv = podTemplate(find(build, 'StatefulSet', 'graphnas-postgres') as Manifest)?.spec.containers[0].env ?? [];
      assert.equal(postgresEnv.find((e) => e.name === 'POSTGRES_USER')?.value, decodeURIComponent(url.username));
      assert.equal(postgresEnv.find((e) => e.name === 'POSTGRES_DB')?.value, url.pathname.slice(1));
    }
    // The real env files stay out of git.
    for (const dir of ['', 'monitoring']) assert.match(readFileSync(join(KUBERNETES_DIR, dir, '.gitignore'), 'utf8'), /^secrets\/\*\.env$/m);
  });

  test('graphnas containers run the image’s own entrypoint with a real command and only environment variables the code reads', () => {
    const entrypoint = dockerEntrypoint();
    const known = configVariables();
    // Read by the NVIDIA container runtime, not by graphnas: which driver libraries it mounts.
    known.add('NVIDIA_DRIVER_CAPABILITIES');
    for (const build of [all.default, all.cpu]) {
      const commands = new Set<string>();
      for (const { owner, container } of graphnasContainers(build)) {
        const where = `${owner.metadata.name}/${container.name}`;
        assert.deepEqual(container.command, entrypoint, `${where}: the command is the Dockerfile's ENTRYPOINT`);
        const [command, ...rest] = container.args ?? [];
        commands.add(command);
        if (command === 'worker') assert.doesNotThrow(() => workerArguments(rest), `${where}: graphnas worker accepts ${rest.join(' ')}`);
        else assert.deepEqual(rest, [], `${where}: graphnas ${command} takes no arguments`);
        const env: Record<string, string> = {};
        for (const variable of container.env ?? []) {
          assert.ok(known.has(variable.name), `${where}: ${variable.name} is no variable graphnas reads`);
          // A secret's value is the operator's; a valid-looking stand-in lets loadConfig check the rest.
          env[variable.name] = variable.value ?? (variable.name === 'GRAPHNAS_ADMIN_KEY' ? `gnk_${'a'.repeat(43)}` : 'postgres://u:p@db:5432/d');
        }
        assert.doesNotThrow(() => loadConfig(env), `${where}: its environment is a valid configuration`);
      }
      assert.deepEqual([...commands].sort(), ['migrate', 'serve', 'worker']);
    }
  });

  test('workers reach the API through its Service and serve their own metrics on the port the pod declares', () => {
    for (const build of [all.default, all.cpu]) {
      const worker = podTemplate(find(build, 'Deployment', 'graphnas-worker') as Manifest)?.spec.containers[0] as Container;
      const args = workerArguments((worker.args ?? []).slice(1));
      const url = new URL(args.url);
      const service = find(build, 'Service', url.hostname);
      assert.ok(service, `the worker's --url names Service ${url.hostname}`);
      assert.ok((service.spec as { ports: { port: number }[] }).ports.some((p) => p.port === Number(url.port)), `Service ${url.hostname} has port ${url.port}`);
      assert.equal(url.pathname, '/graphql');
      assert.ok(worker.ports?.some((p) => p.name === 'metrics' && p.containerPort === args.metrics?.port), 'the pod declares the --metrics port as "metrics"');
      assert.ok(worker.env?.some((e) => e.name === 'GRAPHNAS_API_KEY' && e.valueFrom?.secretKeyRef), 'the worker key comes from a secret, not from --key');
      assert.equal(args.key, null);
      // Kubernetes sends SIGKILL after the grace period: the worker's own grace must end first.
      const grace = (podTemplate(find(build, 'Deployment', 'graphnas-worker') as Manifest)?.spec as { terminationGracePeriodSeconds?: number }).terminationGracePeriodSeconds ?? 30;
      assert.ok(args.graceSeconds < grace, `--grace ${args.graceSeconds} < terminationGracePeriodSeconds ${grace}`);
    }
  });

  test('the API’s probes use ports it declares, liveness on /healthz, readiness on /readyz', () => {
    const api = podTemplate(find(all.default, 'Deployment', 'graphnas-api') as Manifest)?.spec.containers[0] as Container;
    assert.equal(api.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(api.readinessProbe?.httpGet?.path, '/readyz');
    const port = api.env?.find((e) => e.name === 'PORT')?.value;
    for (const [name, probe] of probesOf(api)) {
      const declared = api.ports?.find((p) => p.name === probe.httpGet?.port || p.containerPort === probe.httpGet?.port);
      assert.ok(declared, `${name} uses a declared port`);
      assert.equal(String(declared.containerPort), port, `${name}: the server listens on PORT`);
    }
  });

  describe('the probe paths answer on a real server', () => {
    let server: RunningServer;
    before(async () => {
      const [pglite] = await backends();
      server = await startTestServer(pglite.config());
    });
    after(async () => {
      await server?.close();
    });

    test('every httpGet probe of a graphnas container gets a 200 from the server', async () => {
      const base = new URL(server.url);
      const paths = new Set<string>();
      for (const build of [all.default, all.cpu]) for (const { container } of graphnasContainers(build)) for (const [, probe] of probesOf(container)) if (probe.httpGet?.path) paths.add(probe.httpGet.path);
      assert.deepEqual([...paths].sort(), ['/healthz', '/readyz']);
      // A probe must reach the health handlers themselves: the dashboard answers any other
      // path with its page (200 as well), so the JSON status is what tells them apart.
      const health = async (path: string): Promise<{ code: number; status: unknown }> => {
        const response = await fetch(new URL(path, base));
        const json = (response.headers.get('content-type') ?? '').includes('application/json');
        return { code: response.status, status: json ? ((await response.json()) as { status?: unknown }).status : null };
      };
      for (const path of paths) {
        const { code, status } = await health(path);
        assert.equal(code, 200, `GET ${path}`);
        assert.ok(status === 'ok' || status === 'ready', `GET ${path} answers the health handler: ${String(status)}`);
      }
      assert.equal((await health('/no-such-probe')).status, null, 'a wrong path would not pass');
    });
  });

  test('the autoscaler is a valid KEDA ScaledObject on the worker Deployment, fed by metrics the service and workers export', () => {
    const scaled = find(all.default, 'ScaledObject', 'graphnas-worker') as Manifest;
    const spec = scaled.spec as {
      scaleTargetRef: { apiVersion?: string; kind?: string; name: string };
      minReplicaCount: number;
      maxReplicaCount: number;
      triggers: { type: string; metadata: Record<string, string> }[];
    };
    assert.equal(scaled.apiVersion, 'keda.sh/v1alpha1');
    for (const build of [all.default, all.cpu]) assert.ok(find(build, spec.scaleTargetRef.kind ?? 'Deployment', spec.scaleTargetRef.name), 'its target exists in both variants');
    assert.ok(Number.isInteger(spec.minReplicaCount) && Number.isInteger(spec.maxReplicaCount) && spec.minReplicaCount <= spec.maxReplicaCount);
    for (const build of [all.default, all.cpu]) {
      assert.equal((find(build, 'Deployment', 'graphnas-worker')?.spec as { replicas?: number }).replicas, undefined, 'the HPA owns the replicas: a re-apply must not reset them');
    }
    assert.equal(spec.triggers.length, 1);
    const [trigger] = spec.triggers;
    assert.equal(trigger.type, 'prometheus');
    // KEDA's Prometheus scaler: serverAddress, query and threshold are required, as strings.
    assert.match(trigger.metadata.serverAddress, /^https?:\/\/[^/]+/);
    assert.ok(Number(trigger.metadata.threshold) > 0, 'threshold is a positive number in a string');
    assert.equal(typeof trigger.metadata.threshold, 'string');
    const exported = exportedSeries(new ServiceMetrics().registry, new WorkerMetrics().registry);
    const used = [...trigger.metadata.query.matchAll(/\b(graphnas_[a-z_]+)\b/g)].map((m) => m[1]);
    assert.ok(used.includes('graphnas_worker_queue_trials'), 'it follows the trials that wait for workers');
    for (const name of used) assert.ok(exported.has(name), `${name} is exported by /metrics (service or worker)`);
    for (const [, namespace] of trigger.metadata.query.matchAll(/namespace="([^"]*)"/g)) assert.equal(namespace, all.default.namespace, 'the query looks in the namespace the kustomization deploys to');
    // One trial per worker pod: the threshold is the workers' --concurrency.
    const worker = podTemplate(find(all.default, 'Deployment', 'graphnas-worker') as Manifest)?.spec.containers[0] as Container;
    assert.equal(Number(trigger.metadata.threshold), workerArguments((worker.args ?? []).slice(1)).concurrency);
  });

  test('the monitoring objects scrape the API’s /metrics with a key and the workers’ metrics port', () => {
    const build = all.monitoring;
    assert.equal(build.namespace, all.default.namespace);
    const serviceMonitor = find(build, 'ServiceMonitor', 'graphnas-api') as Manifest;
    const smSpec = serviceMonitor.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string; authorization?: { type: string; credentials: { name: string; key: string } } }[] };
    const apiService = find(all.default, 'Service', 'graphnas-api') as Manifest;
    assert.ok(selects(smSpec.selector.matchLabels, apiService.metadata.labels), 'the ServiceMonitor selects the API Service by its labels');
    const [endpoint] = smSpec.endpoints;
    assert.ok((apiService.spec as { ports: { name: string }[] }).ports.some((p) => p.name === endpoint.port));
    assert.equal(endpoint.path, '/metrics');
    assert.equal(endpoint.authorization?.type, 'Bearer', '/metrics needs a key');
    const secret = build.secrets.find((s) => s.name === endpoint.authorization?.credentials.name);
    assert.ok(secret?.keys.has(endpoint.authorization?.credentials.key ?? ''), 'the bearer secret and key are generated');
    const generator = parseAllDocuments(readFileSync(join(KUBERNETES_DIR, 'monitoring/kustomization.yaml'), 'utf8'))[0].toJS() as { secretGenerator: { name: string; options?: { disableNameSuffixHash?: boolean } }[] };
    assert.equal(generator.secretGenerator.find((g) => g.name === secret?.name)?.options?.disableNameSuffixHash, true, 'kustomize cannot rewrite a hashed name inside a ServiceMonitor');

    const podMonitor = find(build, 'PodMonitor', 'graphnas-worker') as Manifest;
    const pmSpec = podMonitor.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string }[] };
    for (const variant of [all.default, all.cpu]) {
      const pod = podTemplate(find(variant, 'Deployment', 'graphnas-worker') as Manifest);
      assert.ok(selects(pmSpec.selector.matchLabels, pod?.metadata?.labels));
      assert.ok(pod?.spec.containers[0].ports?.some((p) => p.name === pmSpec.podMetricsEndpoints[0].port));
    }
    assert.ok(!selects(pmSpec.selector.matchLabels, podTemplate(find(all.default, 'Deployment', 'graphnas-api') as Manifest)?.metadata?.labels), 'the PodMonitor leaves the API pods to the ServiceMonitor');
  });

  test('every generator env file has its committed example, and each example is KEY=value lines', () => {
    for (const build of Object.values(all)) for (const secret of build.secrets) for (const env of secret.envFiles) assert.ok(envKeys(join(KUBERNETES_DIR, `${env}.example`)).size > 0, env);
  });

  // kubectl's own kustomize, where the machine has kubectl: the real build, hashed secret names and all.
  const kubectl = (() => {
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  test('kubectl kustomize builds each directory, and what it makes validates too', { skip: kubectl ? false : 'kubectl is not installed here' }, () => {
    const copy = mkdtempSync(join(tmpdir(), 'graphnas-kustomize-'));
    try {
      cpSync(KUBERNETES_DIR, copy, { recursive: true });
      for (const build of Object.values(all)) for (const secret of build.secrets) for (const env of secret.envFiles) cpSync(join(KUBERNETES_DIR, `${env}.example`), join(copy, env));
      for (const dir of ['.', 'monitoring']) {
        const output = execFileSync('kubectl', ['kustomize', join(copy, dir)], { encoding: 'utf8' });
        const objects = parseAllDocuments(output).map((d) => unwrapSecretData(d.toJS() as Manifest));
        assert.ok(objects.length > 0);
        const secretNames = new Set(objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name));
        for (const object of objects) {
          if (object.kind !== 'Namespace') assert.equal(object.metadata.namespace, 'graphnas', `${object.kind} ${object.metadata.name}`);
          validators.get(typeOf(object))?.(object);
          const template = podTemplate(object);
          for (const container of template ? containersOf(template.spec) : []) {
            for (const env of container.env ?? []) if (env.valueFrom?.secretKeyRef) assert.ok(secretNames.has(env.valueFrom.secretKeyRef.name), `${object.metadata.name}: ${env.valueFrom.secretKeyRef.name} after kustomize`);
            assert.notEqual(container.image, 'graphnas', 'the images entry rewrites the image to name:tag');
          }
        }
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
