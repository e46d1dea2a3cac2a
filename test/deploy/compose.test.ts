import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { workerArguments } from '../../src/worker/worker-command.js';
import { ROOT, parseYamlFile } from './manifests.js';

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: string[];
  readonly container_name?: string;
  readonly hostname?: string;
  readonly ports?: (string | { published?: string | number; target: number })[];
  readonly environment?: Record<string, string>;
  readonly depends_on?: Record<string, { condition: string }>;
  readonly healthcheck?: { test: string[] };
  readonly stop_grace_period?: string;
}

const [compose] = parseYamlFile(join(ROOT, 'docker-compose.yml')) as [{ services: Record<string, ComposeService> }];
const { services } = compose;

/** Compose's duration (`30s`, `1m30s`) in seconds. */
function seconds(duration: string): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  assert.ok(match && duration !== '', `a compose duration: ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** A `${NAME…}` interpolation: the name it reads from the shell or the .env file. */
function interpolated(value: string | undefined): string | null {
  return /^\$\{([A-Z_][A-Z0-9_]*)(?:[:?-].*)?\}$/.exec(value ?? '')?.[1] ?? null;
}

/** The URL an HTTP healthcheck of ours fetches, or null for another kind of check. */
function healthcheckUrl(service: ComposeService): URL | null {
  const test = service.healthcheck?.test ?? [];
  const match = /fetch\('([^']+)'\)/.exec(test.join(' '));
  return match ? new URL(match[1]) : null;
}

describe('docker-compose.yml', () => {
  test('has the API, PostgreSQL and a worker', () => {
    assert.deepEqual(Object.keys(services).sort(), ['api', 'postgres', 'worker']);
  });

  test('the worker can be scaled: no fixed name, hostname or host port', () => {
    const worker = services.worker;
    assert.equal(worker.container_name, undefined, 'a container_name allows one container');
    assert.equal(worker.hostname, undefined, 'every replica would share the hostname, and so the worker name');
    for (const port of worker.ports ?? []) {
      const published = typeof port === 'string' ? (port.includes(':') ? port.split(':').slice(0, -1).join(':') : '') : String(port.published ?? '');
      assert.equal(published, '', `host port ${published}: a second replica could not bind it`);
    }
  });

  test('the worker runs `graphnas worker` against the api service, with its key from an environment variable', () => {
    const worker = services.worker;
    // The image's ENTRYPOINT is the CLI: `command` replaces CMD (serve) with the worker's arguments.
    assert.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /^ENTRYPOINT \["node", "dist\/src\/cli\.js"\]$/m);
    assert.equal(worker.image, services.api.image, 'the same image as the API');
    const [command, ...rest] = worker.command ?? [];
    assert.equal(command, 'worker');
    const args = workerArguments(rest);
    const url = new URL(args.url);
    assert.ok(url.hostname in services, `--url names the ${url.hostname} service`);
    assert.equal(url.hostname, 'api');
    assert.equal(url.port, '4000', 'the port the API listens on in its container (the image sets PORT=4000)');
    assert.equal(args.key, null, 'no --key on the command line');
    assert.equal(interpolated(worker.environment?.GRAPHNAS_API_KEY), 'GRAPHNAS_WORKER_KEY');
    assert.ok(seconds(worker.stop_grace_period ?? '10s') > args.graceSeconds, 'docker waits longer than the worker’s --grace before SIGKILL');
    assert.equal(healthcheckUrl(worker)?.port, String(args.metrics?.port), 'the worker’s healthcheck asks its own metrics server');
  });

  test('healthchecks: the API’s on /readyz, PostgreSQL’s with pg_isready; whoever depends waits for healthy', () => {
    const api = healthcheckUrl(services.api);
    assert.equal(api?.pathname, '/readyz');
    assert.equal(api?.port, '4000');
    assert.match((services.postgres.healthcheck?.test ?? []).join(' '), /pg_isready/);
    assert.deepEqual(services.api.depends_on, { postgres: { condition: 'service_healthy' } });
    assert.deepEqual(services.worker.depends_on, { api: { condition: 'service_healthy' } });
    for (const [name, service] of Object.entries(services)) {
      assert.ok(service.healthcheck, `${name} has a healthcheck (what service_healthy waits on)`);
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        assert.equal(condition, 'service_healthy', `${name} waits for ${dependency} to be healthy`);
        assert.ok(services[dependency]?.healthcheck, `${dependency} has the healthcheck ${name} waits for`);
      }
    }
  });

  test('graphnas services set only variables the code reads, and a valid configuration', () => {
    const read = new Set<string>();
    loadConfig(
      new Proxy({} as Record<string, string | undefined>, {
        get(_target, key) {
          if (typeof key === 'string') read.add(key);
          return undefined;
        },
      }),
    );
    for (const name of ['api', 'worker']) {
      const env: Record<string, string> = {};
      for (const [variable, value] of Object.entries(services[name].environment ?? {})) {
        assert.ok(read.has(variable), `${name}: ${variable} is no variable graphnas reads`);
        // An interpolated value is the operator's; a valid-looking stand-in lets loadConfig check the rest.
        env[variable] = interpolated(value) === null ? value : `gnk_${'a'.repeat(43)}`;
      }
      assert.doesNotThrow(() => loadConfig(env), name);
    }
    const database = new URL(services.api.environment?.DATABASE_URL ?? '');
    assert.equal(database.hostname, 'postgres');
    assert.equal(database.username, services.postgres.environment?.POSTGRES_USER);
    assert.equal(database.password, services.postgres.environment?.POSTGRES_PASSWORD);
    assert.equal(database.pathname.slice(1), services.postgres.environment?.POSTGRES_DB);
  });
});
