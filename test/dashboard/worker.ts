import { gql, gqlOk, type As } from '../helpers/graphql-client.js';

/**
 * An external worker over the real ask/tell mutations, for the screenshot and
 * measurement scripts: it claims trials and reports what it is told to. The scores are
 * made up from the architecture (these scripts show and time the dashboard, not a search).
 */

export interface Claimed {
  readonly id: string;
  readonly sequence: number;
  readonly architecture: { readonly kind: string; readonly layers?: readonly { readonly type: string; readonly filters?: number; readonly units?: number; readonly kernelSize?: number }[] };
}

export async function claim(url: string, experimentId: string, as: As = {}, workerId = 'demo-worker'): Promise<Claimed | null> {
  const { claimTrial } = await gqlOk<{ claimTrial: Claimed | null }>(
    url,
    `mutation($e: ID!, $w: String!) { claimTrial(experimentId: $e, workerId: $w, leaseSeconds: 600) { id sequence architecture } }`,
    { e: experimentId, w: workerId },
    as,
  );
  return claimTrial;
}

/** Reports one learning-curve point; true when the server says to stop (pruned). */
export async function report(url: string, trialId: string, step: number, name: string, value: number, as: As = {}, workerId = 'demo-worker'): Promise<boolean> {
  const result = await gql<{ reportTrialMetric: { shouldStop: boolean } }>(
    url,
    `mutation($t: ID!, $s: Int!, $n: String!, $v: Float!, $w: String) { reportTrialMetric(trialId: $t, step: $s, name: $n, value: $v, workerId: $w) { shouldStop } }`,
    { t: trialId, s: step, n: name, v: value, w: workerId },
    as,
  );
  return result.data?.reportTrialMetric.shouldStop ?? true;
}

export async function complete(url: string, trialId: string, metrics: Record<string, number>, as: As = {}, workerId = 'demo-worker'): Promise<void> {
  await gqlOk(url, `mutation($t: ID!, $m: JSON!, $w: String) { completeTrial(trialId: $t, metrics: $m, workerId: $w) { id } }`, { t: trialId, m: metrics, w: workerId }, as);
}

export async function fail(url: string, trialId: string, error: string, as: As = {}, workerId = 'demo-worker'): Promise<void> {
  await gqlOk(url, `mutation($t: ID!, $e: String!, $w: String) { failTrial(trialId: $t, error: $e, workerId: $w) { id } }`, { t: trialId, e: error, w: workerId }, as);
}

/** A deterministic stand-in score for a layer stack: more and wider convolutions do better, and cost more. */
export function scoreOf(trial: Claimed): { accuracy: number; params: number; flops: number; latencyMs: number } {
  const layers = trial.architecture.layers ?? [];
  let channels = 1;
  let params = 0;
  let flops = 0;
  let side = 20;
  let quality = 0;
  for (const layer of layers) {
    if (layer.type === 'conv2d') {
      const k = layer.kernelSize ?? 3;
      const f = layer.filters ?? 16;
      params += k * k * channels * f + f;
      flops += 2 * k * k * channels * f * side * side;
      channels = f;
      quality += 0.02 + f / 3200;
    } else if (layer.type === 'maxPool') {
      side = Math.max(1, Math.floor(side / 2));
      quality += 0.01;
    } else if (layer.type === 'dense') {
      const u = layer.units ?? 64;
      params += channels * side * side * u;
      flops += 2 * channels * side * side * u;
      channels = u;
      side = 1;
      quality += 0.015;
    }
  }
  const jitter = ((trial.sequence * 2654435761) % 1000) / 1000 - 0.5;
  const accuracy = Math.min(0.93, 0.7 + quality + 0.02 * jitter);
  return { accuracy, params, flops, latencyMs: 0.2 + flops / 4e7 };
}
