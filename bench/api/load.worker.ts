/**
 * The load generator of bench/api.ts, on a thread of its own so that building requests
 * and reading answers does not run on the server's event loop: `concurrency` requests in
 * flight, each sent again as soon as its answer is read, for `durationMs` (what autocannon
 * does with `-c`; autocannon is not a dependency of this project).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';

export interface LoadJob {
  readonly url: string;
  readonly body: string;
  readonly concurrency: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly requests: number;
  /** Answers that were not a 200 with the expected length. */
  readonly failures: number;
  readonly seconds: number;
  readonly latencies: number[];
}

async function run(job: LoadJob, expectedLength: number | null): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const until = started + job.durationMs;
  const one = async (): Promise<void> => {
    while (performance.now() < until) {
      const sent = performance.now();
      try {
        const response = await fetch(job.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: job.body });
        const text = await response.text();
        if (response.status !== 200 || (expectedLength !== null && text.length !== expectedLength)) failures += 1;
      } catch {
        failures += 1;
      }
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, one));
  return { requests: latencies.length, failures, seconds: (performance.now() - started) / 1000, latencies };
}

const { job, expectedLength } = workerData as { job: LoadJob; expectedLength: number | null };
run(job, expectedLength).then(
  (result) => parentPort!.postMessage({ result }),
  (error: unknown) => parentPort!.postMessage({ error: String(error) }),
);
