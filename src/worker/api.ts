import type { Constraints, EvaluatorSpec, TrialRuntime } from '../core/storage/records.js';
import { RemoteServiceError, request, type RemoteService } from '../remote/client.js';
import type { Actions, Architecture } from '../space/types.js';

/**
 * The ask/tell API as `graphnas worker` speaks it: GraphQL over HTTP with a worker key,
 * nothing else (no database, no WebSocket). Every call is one round trip that either
 * answers, is refused (the service's code), or has no answer (unreachable, timed out,
 * the service restarting), which the caller retries.
 */

/** A claimed trial with what evaluating it takes. */
export interface ClaimedTrial {
  readonly id: string;
  readonly experimentId: string;
  readonly sequence: number;
  /** 1 on the first claim; higher once it came back after a failure or a lost lease. */
  readonly attempt: number;
  readonly label: string;
  readonly architecture: Architecture;
  readonly actions: Actions;
  readonly evaluation: {
    readonly evaluator: EvaluatorSpec;
    readonly constraints: Constraints;
    readonly seed: number;
    readonly dataSeed: number;
  };
}

export interface ClaimScope {
  readonly experimentIds: readonly string[];
  readonly projects: readonly string[];
  readonly exceptExperimentIds: readonly string[];
  readonly evaluatorTypes: readonly string[];
}

export interface Registration {
  readonly name: string;
  readonly host: string;
  readonly backend: string;
  readonly adapter: string | null;
  readonly cores: number;
  readonly gpu: string | null;
  readonly datasets: readonly string[];
  readonly concurrency: number;
}

const TRIAL = `id experimentId sequence attempt label architecture actions
  evaluation { evaluator { type options } constraints { maxParams maxFlops maxLatencyMs } seed dataSeed }`;

/** The service's codes that mean "not now": the same call may succeed later (an internal error is an outage until shown otherwise). */
const TRANSIENT = new Set(['UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_SERVER_ERROR']);

/** No answer, or the service said to try again: worth retrying, unlike a refusal. */
export function isTransient(error: unknown): boolean {
  return error instanceof RemoteServiceError && (error.serverCode === null || TRANSIENT.has(error.serverCode));
}

/** The trial is no longer this worker's (reclaimed, finished, another holder): stop, drop the work. */
export function isLeaseLost(error: unknown): boolean {
  return error instanceof RemoteServiceError && error.serverCode === 'LEASE_LOST';
}

export class WorkerApi {
  constructor(private readonly service: RemoteService) {}

  get url(): string {
    return this.service.url;
  }

  async register(registration: Registration, leaseSeconds: number): Promise<void> {
    const { name, ...input } = registration;
    await request(this.service, 'registerWorker', `mutation($i: RegisterWorkerInput!, $l: Int!) { registerWorker(input: $i, leaseSeconds: $l) { id } }`, {
      i: { name, ...input },
      l: leaseSeconds,
    });
  }

  async unregister(name: string): Promise<void> {
    await request(this.service, 'unregisterWorker', `mutation($n: String!) { unregisterWorker(name: $n) }`, { n: name });
  }

  async claim(name: string, scope: ClaimScope, leaseSeconds: number): Promise<ClaimedTrial | null> {
    const from = {
      experimentIds: scope.experimentIds.length ? scope.experimentIds : null,
      projects: scope.projects.length ? scope.projects : null,
      exceptExperimentIds: scope.exceptExperimentIds.length ? scope.exceptExperimentIds : null,
      evaluatorTypes: scope.evaluatorTypes,
    };
    const data = await request<{ claimTrial: ClaimedTrial | null }>(
      this.service,
      'claimTrial',
      `mutation($f: ClaimFilterInput!, $w: String!, $l: Int!) { claimTrial(from: $f, workerId: $w, leaseSeconds: $l) { ${TRIAL} } }`,
      { f: from, w: name, l: leaseSeconds },
    );
    return data.claimTrial;
  }

  /** The trial's status after the renewal: anything but RUNNING means stop. */
  async heartbeat(trialId: string, name: string, leaseSeconds: number): Promise<string> {
    const data = await request<{ heartbeatTrial: { status: string } }>(
      this.service,
      'heartbeatTrial',
      `mutation($t: ID!, $w: String!, $l: Int!) { heartbeatTrial(id: $t, workerId: $w, leaseSeconds: $l) { status } }`,
      { t: trialId, w: name, l: leaseSeconds },
    );
    return data.heartbeatTrial.status;
  }

  /** True when the worker should stop (the trial was pruned or cancelled). */
  async report(trialId: string, name: string, step: number, metric: string, value: number): Promise<boolean> {
    const data = await request<{ reportTrialMetric: { shouldStop: boolean } }>(
      this.service,
      'reportTrialMetric',
      `mutation($t: ID!, $w: String!, $s: Int!, $n: String!, $v: Float!) { reportTrialMetric(trialId: $t, workerId: $w, step: $s, name: $n, value: $v) { shouldStop } }`,
      { t: trialId, w: name, s: step, n: metric, v: value },
    );
    return data.reportTrialMetric.shouldStop;
  }

  /** The trial's status and reward as stored: a resend with the same key answers the stored result. */
  async complete(trialId: string, name: string, metrics: Readonly<Record<string, number>>, runtime: TrialRuntime | null, idempotencyKey: string): Promise<{ status: string; reward: number | null }> {
    const data = await request<{ completeTrial: { status: string; reward: number | null } }>(
      this.service,
      'completeTrial',
      `mutation($t: ID!, $w: String!, $m: JSON!, $k: String!, $r: TrialRuntimeInput) { completeTrial(trialId: $t, workerId: $w, metrics: $m, idempotencyKey: $k, runtime: $r) { status reward } }`,
      { t: trialId, w: name, m: metrics, k: idempotencyKey, r: runtime },
    );
    return data.completeTrial;
  }

  async fail(trialId: string, name: string, error: string, retryable: boolean): Promise<string> {
    const data = await request<{ failTrial: { status: string } }>(
      this.service,
      'failTrial',
      `mutation($t: ID!, $w: String!, $e: String!, $r: Boolean!) { failTrial(trialId: $t, workerId: $w, error: $e, retryable: $r) { status } }`,
      { t: trialId, w: name, e: error, r: retryable },
    );
    return data.failTrial.status;
  }
}
