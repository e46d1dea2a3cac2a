import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** How a claimed trial ended for this worker. */
/**
 * How a claimed trial ended for this worker: `stopped` by the service (pruned,
 * cancelled), `lease_lost` (reclaimed while this worker was cut off or too slow),
 * `handed_back` at a stop, `abandoned` when its last report never got through.
 */
export type TrialOutcome = 'completed' | 'failed' | 'stopped' | 'lease_lost' | 'handed_back' | 'abandoned';

/** Seconds: a tiny proxy trains in a few, a full-fidelity one in an hour. */
const TRIAL_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * A worker's own Prometheus metrics (the service's are on its /metrics): what it trains
 * on, how fast, and how its trials ended. Its own registry, so that a test running a
 * worker and a server in one process keeps them apart.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly info = new Gauge({ name: 'graphnas_worker_info', help: 'The backend and adapter this worker trains on (value 1).', labelNames: ['backend', 'adapter'], registers: [this.registry] });
  private readonly trials = new Counter({ name: 'graphnas_worker_trials_total', help: 'Trials this worker claimed, by how they ended.', labelNames: ['outcome'], registers: [this.registry] });
  private readonly seconds = new Histogram({ name: 'graphnas_worker_trial_seconds', help: 'Wall time of a trial on this worker, claim to report.', buckets: TRIAL_BUCKETS, registers: [this.registry] });
  private readonly samples = new Gauge({ name: 'graphnas_worker_samples_per_second', help: 'Training samples per second of the last trial that trained.', registers: [this.registry] });
  private readonly busy = new Gauge({ name: 'graphnas_worker_busy_slots', help: 'Trials in hand now.', registers: [this.registry] });
  private readonly apiErrors = new Counter({ name: 'graphnas_worker_api_errors_total', help: 'Calls to the service that failed: transient (no answer, retried) or refused.', labelNames: ['kind'], registers: [this.registry] });
  private runtime: { backend: string; adapter: string } | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'graphnas_worker_' });
  }

  trainsOn(backend: string, adapter: string | null): void {
    const next = { backend, adapter: adapter ?? '' };
    if (this.runtime?.backend === next.backend && this.runtime.adapter === next.adapter) return;
    if (this.runtime) this.info.remove(this.runtime);
    this.info.set(next, 1);
    this.runtime = next;
  }

  started(): void {
    this.busy.inc();
  }

  ended(outcome: TrialOutcome, seconds: number, samplesPerSecond: number | undefined): void {
    this.busy.dec();
    this.trials.inc({ outcome });
    this.seconds.observe(seconds);
    if (samplesPerSecond !== undefined && Number.isFinite(samplesPerSecond)) this.samples.set(samplesPerSecond);
  }

  apiError(transient: boolean): void {
    this.apiErrors.inc({ kind: transient ? 'transient' : 'refused' });
  }

  /** Serves the metrics at `/metrics` on host:port (port 0: any free one). */
  async serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : String(error)}\n`),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return { server, port: (server.address() as AddressInfo).port };
  }
}
