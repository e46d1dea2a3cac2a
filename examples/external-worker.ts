/**
 * An external graphnas worker: the ask/tell loop an MLOps platform runs on its own compute.
 * Plain TypeScript, nothing but `fetch` (Node >= 20); copy it and replace `evaluate`.
 *
 *   node dist/examples/external-worker.js <graphqlUrl> <experimentId> [workerId]
 *
 * The loop, and why each step is there:
 * 1. `claimTrial(experimentId, workerId, leaseSeconds)`: the server gives each PENDING trial
 *    to exactly one worker, under a lease, so any number of workers can share an experiment
 *    without coordinating. null means "nothing right now" (all claimed, paused, not yet
 *    proposed): back off, and exit once the experiment has ended.
 * 2. `heartbeatTrial` every third of the lease: if this worker dies, the lease runs out and
 *    the scheduler gives the trial to another worker; two lost beats are tolerated. The
 *    answer carries the trial's status: anything but RUNNING (pruned, cancelled, reclaimed)
 *    means stop working on it.
 * 3. `reportTrialMetric` each epoch: the learning curve for dashboards, and the input of the
 *    median early-stopping rule; `shouldStop: true` means the trial was pruned: stop.
 * 4. `completeTrial(trialId, metrics, idempotencyKey)`: if the answer is lost on the network,
 *    sending it again with the same key returns the stored result instead of an error.
 *    LEASE_LOST means the trial went to another worker meanwhile: the result is dropped.
 * 5. `failTrial(trialId, error, retryable)`: a retryable failure (preempted machine, OOM)
 *    sends the trial back to PENDING until its retries are spent; an error carrying
 *    `retryable: false` (a broken architecture) fails it at once.
 * Every call names the worker, so the server refuses (LEASE_LOST) a worker that lost its
 * lease, and a slow worker can never overwrite the result of the one that took over.
 */

export interface ClaimedTrial {
  readonly id: string;
  readonly experimentId: string;
  readonly sequence: number;
  /** 1 on the first claim; higher when the trial came back after a failure or a lost lease. */
  readonly attempt: number;
  /** Short form; NAS-Bench-201 cells print as `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`. */
  readonly label: string;
  readonly architecture: unknown;
}

export interface EvaluationContext {
  readonly workerId: string;
  /** Aborted when the work is no longer wanted (pruned, cancelled, lease lost, worker stopping); what is returned after that is dropped. */
  readonly signal: AbortSignal;
  /** Sends one learning-curve point; resolves to true when the evaluation should stop. */
  report(step: number, name: string, value: number): Promise<boolean>;
}

/** Final metrics: `reward` (or the experiment's objective metric), optionally `params`, `flops`, `latencyMs`. */
export type Evaluate = (trial: ClaimedTrial, context: EvaluationContext) => Promise<Record<string, number>>;

export interface WorkerOptions {
  readonly url: string;
  readonly experimentId: string;
  readonly workerId: string;
  readonly evaluate: Evaluate;
  /** Default 60. Long enough for two lost heartbeats, short enough that a dead worker's trial is soon retried. */
  readonly leaseSeconds?: number;
  /** First and longest wait after claimTrial returned null; defaults 500 and 10000 ms. */
  readonly idleMs?: number;
  readonly maxIdleMs?: number;
  /** Stop after this many claims: a job that evaluates one trial and ends, say. */
  readonly maxTrials?: number;
  /** Stops the loop; a trial in hand is handed back (failTrial retryable) for another worker. */
  readonly signal?: AbortSignal;
  readonly log?: (message: string) => void;
}

/** `stopped`: stopped by the server (pruned, cancelled) or the lease was lost. */
export type WorkerStats = Record<'claimed' | 'completed' | 'stopped' | 'failed', number>;

/** A GraphQL error with its `extensions.code`; `transient` when the same call may succeed later. */
export class GraphQLCallError extends Error {
  constructor(message: string, readonly code: string | null, readonly transient: boolean) {
    super(message);
  }
}

const TRIAL = 'id experimentId sequence attempt label architecture';
const CLAIM = `mutation($e: ID!, $w: String!, $l: Int!) { claimTrial(experimentId: $e, workerId: $w, leaseSeconds: $l) { ${TRIAL} } }`;
const STATUS = `query($e: ID!) { experiment(id: $e) { status } }`;
const HEARTBEAT = `mutation($t: ID!, $w: String!, $l: Int!) { heartbeatTrial(id: $t, workerId: $w, leaseSeconds: $l) { status } }`;
const REPORT = `mutation($t: ID!, $w: String!, $s: Int!, $n: String!, $v: Float!) { reportTrialMetric(trialId: $t, workerId: $w, step: $s, name: $n, value: $v) { shouldStop } }`;
const COMPLETE = `mutation($t: ID!, $w: String!, $m: JSON!, $k: String!) { completeTrial(trialId: $t, workerId: $w, metrics: $m, idempotencyKey: $k) { status } }`;
const FAIL = `mutation($t: ID!, $w: String!, $e: String!, $r: Boolean!) { failTrial(trialId: $t, workerId: $w, error: $e, retryable: $r) { status } }`;
const SHUTDOWN = 'worker stopped';

async function call<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  let status = 0;
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
    status = response.status;
    body = (await response.json()) as typeof body;
  } catch (error) {
    // No answer, or not JSON (a proxy's 502 page): the server may be restarting; try again later.
    throw new GraphQLCallError(`${url}: ${status || 'no response'}: ${error instanceof Error ? error.message : String(error)}`, null, status === 0 || status >= 500);
  }
  const first = body.errors?.[0];
  if (first) throw new GraphQLCallError(first.message, first.extensions?.code ?? null, first.extensions?.code === 'UNAVAILABLE');
  if (!body.data) throw new GraphQLCallError(`${url}: HTTP ${status} without data`, null, status >= 500);
  return body.data;
}

const transient = (error: unknown): boolean => error instanceof GraphQLCallError && error.transient;
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Waits `ms`, or less when `signal` aborts (so a stopping worker does not sit out a back-off). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** Claims and evaluates trials until the experiment ends, `maxTrials` is reached or `signal` aborts. */
export async function runWorker(options: WorkerOptions): Promise<WorkerStats> {
  const { url, experimentId, workerId, signal } = options;
  const log = options.log ?? ((): void => undefined);
  const lease = options.leaseSeconds ?? 60;
  const stats: WorkerStats = { claimed: 0, completed: 0, stopped: 0, failed: 0 };
  let idle = options.idleMs ?? 500;
  while (!signal?.aborted && stats.claimed < (options.maxTrials ?? Infinity)) {
    let trial: ClaimedTrial | null = null;
    try {
      trial = (await call<{ claimTrial: ClaimedTrial | null }>(url, CLAIM, { e: experimentId, w: workerId, l: lease })).claimTrial;
    } catch (error) {
      if (!transient(error)) throw error; // unknown or in-process experiment: a configuration error
      log(`claim failed, retrying: ${message(error)}`);
    }
    if (trial === null) {
      // CREATED (not started yet) and PAUSED are worth waiting for; an ended experiment is not.
      const status = await call<{ experiment: { status: string } | null }>(url, STATUS, { e: experimentId }).then((d) => d.experiment?.status ?? 'GONE', () => 'UNKNOWN');
      if (['SUCCEEDED', 'FAILED', 'CANCELLED', 'GONE'].includes(status)) break;
      await sleep(idle, signal);
      idle = Math.min(idle * 2, options.maxIdleMs ?? 10_000);
      continue;
    }
    idle = options.idleMs ?? 500;
    stats.claimed += 1;
    log(`trial ${trial.sequence} (attempt ${trial.attempt}): ${trial.label}`);
    stats[await runTrial(options, trial, lease)] += 1;
  }
  return stats;
}

async function runTrial(options: WorkerOptions, trial: ClaimedTrial, lease: number): Promise<'completed' | 'stopped' | 'failed'> {
  const { url, workerId, log = (): void => undefined } = options;
  const stop = new AbortController();
  const shutdown = (): void => stop.abort(SHUTDOWN);
  options.signal?.addEventListener('abort', shutdown, { once: true });
  if (options.signal?.aborted) shutdown(); // stopped while the claim was on its way
  // Not RUNNING any more, or LEASE_LOST: the trial is someone else's business now. A network
  // error is not a reason to stop: the next beat may get through before the lease runs out.
  const refused = (error: unknown): void => {
    if (!transient(error)) stop.abort(message(error));
  };
  const beat = setInterval(() => {
    call<{ heartbeatTrial: { status: string } }>(url, HEARTBEAT, { t: trial.id, w: workerId, l: lease }).then((d) => {
      if (d.heartbeatTrial.status !== 'RUNNING') stop.abort(`trial is ${d.heartbeatTrial.status}`);
    }, refused);
  }, (lease * 1000) / 3);
  const report = async (step: number, name: string, value: number): Promise<boolean> => {
    if (stop.signal.aborted) return true;
    // A point lost to the network is not worth failing the trial for: only a refusal stops it.
    await call<{ reportTrialMetric: { shouldStop: boolean } }>(url, REPORT, { t: trial.id, w: workerId, s: step, n: name, v: value }).then((d) => {
      if (d.reportTrialMetric.shouldStop) stop.abort('stopped by the server (pruned or cancelled)');
    }, refused);
    return stop.signal.aborted;
  };
  const stoppedByServer = (): boolean => stop.signal.aborted && stop.signal.reason !== SHUTDOWN;
  try {
    const metrics = await options.evaluate(trial, { workerId, signal: stop.signal, report });
    if (!stop.signal.aborted) return (await complete(options, trial, metrics)) ? 'completed' : 'stopped';
    // After a stop, what the evaluation returns may be partial: dropped. The trial is PRUNED,
    // CANCELLED or someone else's, or (shutdown) handed back below for another worker.
    if (stoppedByServer()) return 'stopped';
    throw new Error(SHUTDOWN);
  } catch (error) {
    if (stoppedByServer()) return 'stopped';
    // Retryable unless the error says otherwise; the server bounds the retries (budget.maxRetries).
    const retryable = error instanceof GraphQLCallError ? error.transient : (error as { retryable?: unknown } | null)?.retryable !== false;
    log(`trial ${trial.sequence} failed (${retryable ? 'retryable' : 'permanent'}): ${message(error)}`);
    await call(url, FAIL, { t: trial.id, w: workerId, e: message(error), r: retryable || stop.signal.reason === SHUTDOWN }).catch((e: unknown) =>
      log(`could not report the failure (the lease will run out instead): ${message(e)}`),
    );
    return 'failed';
  } finally {
    clearInterval(beat);
    options.signal?.removeEventListener('abort', shutdown);
  }
}

/** True when stored, false when the lease was lost; network errors are retried with the same key. */
async function complete(options: WorkerOptions, trial: ClaimedTrial, metrics: Record<string, number>): Promise<boolean> {
  // One key per attempt: a resend of this completion is recognised, a later attempt's is not.
  const key = `${trial.id}:${trial.attempt}:${options.workerId}`;
  for (let attempt = 1; ; attempt += 1) {
    try {
      await call(options.url, COMPLETE, { t: trial.id, w: options.workerId, m: metrics, k: key });
      return true;
    } catch (error) {
      if (error instanceof GraphQLCallError && error.code === 'LEASE_LOST') return false;
      if (!transient(error) || attempt >= 5) throw error;
      await sleep(250 * 2 ** attempt);
    }
  }
}

/** A stand-in for training: more convolutions score higher, learnt over a few "epochs". */
export async function toyEvaluate(trial: ClaimedTrial, context: EvaluationContext): Promise<Record<string, number>> {
  const convs = (JSON.stringify(trial.architecture).match(/conv/g) ?? []).length;
  const ceiling = 1 - 1 / (2 + convs);
  let accuracy = 0;
  for (let epoch = 1; epoch <= 5; epoch += 1) {
    await sleep(200, context.signal);
    accuracy = ceiling * (1 - Math.exp(-epoch));
    if (await context.report(epoch, 'val_accuracy', accuracy)) return {};
  }
  return { reward: accuracy, val_accuracy: accuracy, convs };
}

if (require.main === module) {
  const [url, experimentId, workerId = `example-worker-${process.pid}`] = process.argv.slice(2);
  if (!url || !experimentId) {
    console.error('usage: node dist/examples/external-worker.js <graphqlUrl> <experimentId> [workerId]');
    process.exit(2);
  }
  const controller = new AbortController();
  for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => controller.abort());
  runWorker({ url, experimentId, workerId, evaluate: toyEvaluate, signal: controller.signal, log: (m) => console.log(`[${workerId}] ${m}`) }).then(
    (stats) => console.log(`[${workerId}] done: ${JSON.stringify(stats)}`),
    (error: unknown) => {
      console.error(`[${workerId}] ${message(error)}`);
      process.exitCode = 1;
    },
  );
}
