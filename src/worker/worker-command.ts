import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { resolveBackendName } from '../evaluation/backend/select.js';
import { configureMachine } from '../evaluation/machine.js';
import { GraphnasError } from '../errors/index.js';
import { createLogger } from '../logger.js';
import { WorkerApi } from './api.js';
import { FleetWorker } from './fleet-worker.js';
import { machineInfo } from './machine-info.js';
import { WorkerMetrics } from './worker-metrics.js';

export const WORKER_USAGE = `usage: graphnas worker --url URL [options]

Claims trials from the graphnas service at URL (http://host:port/graphql) with a
worker-role API key and trains them here, with the service's own evaluators; needs no
database. Runs until SIGTERM or SIGINT: then it claims nothing more, lets the trials in
hand finish for --grace seconds and hands the rest back (a second signal: at once).

options:
  --url URL            the service's GraphQL endpoint (required)
  --key KEY            the worker key (better: GRAPHNAS_API_KEY, which does not show in
                       the process list)
  --name NAME          its name among the key's workers (default: host-pid)
  --experiment ID      only this experiment (repeatable; default: every experiment the
                       key may see whose evaluator's placement is workers or any)
  --project NAME       only this project's experiments (repeatable)
  --concurrency N      trials at once (default 1)
  --backend NAME       auto, tensorflow-gpu, webgpu, tensorflow, wasm or cpu (default:
                       GRAPHNAS_TF_BACKEND, else the experiment's, else auto)
  --lease SECONDS      lease of each trial and of the registration, renewed every
                       third of it; a killed or cut-off worker's trial goes to another
                       worker after this long (default 60)
  --grace SECONDS      on SIGTERM, how long trials in hand may finish (default 25, inside
                       Kubernetes' 30 s termination grace)
  --metrics [HOST:]PORT  serve this worker's Prometheus metrics at /metrics (default:
                       none; HOST defaults to 0.0.0.0)`;

interface WorkerArguments {
  readonly url: string;
  readonly key: string | null;
  readonly name: string;
  readonly experimentIds: string[];
  readonly projects: string[];
  readonly concurrency: number;
  readonly backend: string | null;
  readonly leaseSeconds: number;
  readonly graceSeconds: number;
  readonly metrics: { host: string; port: number } | null;
}

/** A bad command line: printed with the usage, exit status 2. */
class UsageError extends GraphnasError {
  constructor(message: string) {
    super('BAD_USER_INPUT', message);
  }
}

function positiveInteger(flag: string, raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`--${flag} must be an integer from 1 to ${max}, got "${raw}"`);
  return value;
}

function metricsAddress(raw: string | undefined): { host: string; port: number } | null {
  if (raw === undefined) return null;
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new UsageError(`--metrics must be [HOST:]PORT, got "${raw}"`);
  return { host: match[1] ?? '0.0.0.0', port };
}

export function workerArguments(args: readonly string[]): WorkerArguments {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      experiment: { type: 'string', multiple: true },
      project: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      backend: { type: 'string' },
      lease: { type: 'string' },
      grace: { type: 'string' },
      metrics: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.url === undefined) throw new UsageError('graphnas worker needs --url');
  if (!/^https?:\/\/[^/]/.test(values.url)) throw new UsageError(`--url must be an http(s) URL, got "${values.url}"`);
  if (values.backend !== undefined) {
    try {
      resolveBackendName(values.backend);
    } catch (error) {
      throw new UsageError(`--backend: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const grace = values.grace === undefined ? 25 : Number(values.grace);
  if (!Number.isInteger(grace) || grace < 0 || grace > 86_400) throw new UsageError(`--grace must be an integer number of seconds, got "${values.grace}"`);
  return {
    url: values.url,
    key: values.key ?? null,
    name: values.name ?? `${hostname()}-${process.pid}`,
    experimentIds: values.experiment ?? [],
    projects: values.project ?? [],
    concurrency: positiveInteger('concurrency', values.concurrency, 1, 256),
    backend: values.backend ?? null,
    leaseSeconds: positiveInteger('lease', values.lease, 60, 86_400),
    graceSeconds: grace,
    metrics: metricsAddress(values.metrics),
  };
}

/** `graphnas worker`: resolves with the exit status once the worker has stopped. */
export async function workerCommand(argv: readonly string[], config: Config): Promise<number> {
  if (argv.includes('--help') || argv[0] === 'help') {
    console.log(WORKER_USAGE);
    return 0;
  }
  let args: WorkerArguments;
  try {
    args = workerArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError) && (error as { code?: unknown }).code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw error;
    console.error(`${(error as Error).message}\n\n${WORKER_USAGE}`);
    return 2;
  }
  const logger = createLogger(config.logLevel ?? 'info', config.logFormat === 'auto' ? {} : { pretty: config.logFormat === 'pretty' });
  // The operator's word about this machine, as GRAPHNAS_TF_BACKEND is for the service.
  const backend = args.backend ?? config.tfBackend;
  configureMachine({ backend, fashionMnistDir: config.fashionMnistDir });
  const metrics = new WorkerMetrics();
  const served = args.metrics ? await metrics.serve(args.metrics.host, args.metrics.port) : null;
  if (served) logger.info({ port: served.port }, 'worker metrics at /metrics');
  const worker = new FleetWorker({
    // A call with no answer within a third of the lease is retried: a lease survives two lost beats.
    api: new WorkerApi({ url: args.url, apiKey: args.key ?? config.apiKey, timeoutMs: Math.min(30_000, (args.leaseSeconds * 1000) / 3) }),
    name: args.name,
    concurrency: args.concurrency,
    experimentIds: args.experimentIds,
    projects: args.projects,
    leaseSeconds: args.leaseSeconds,
    idleMs: 250,
    maxIdleMs: 5000,
    stopGraceMs: args.graceSeconds * 1000,
    backend: backend ?? 'auto',
    machine: await machineInfo(),
    logger,
    metrics,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    logger.info({ signal }, 'signal received');
    worker.stop(signals > 1 ? 0 : args.graceSeconds * 1000);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const summary = await worker.run();
    logger.info(summary.outcomes, 'worker stopped');
    return 0;
  } catch (error) {
    logger.error({ err: error }, 'worker failed');
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    served?.server.close();
  }
}
