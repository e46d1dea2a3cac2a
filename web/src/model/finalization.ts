import type { Finalist, Finalization, Replicate } from '../api/documents.js';

/*
 * The finalists view's rules, apart from the live feed (finalists-live.ts) so they can be
 * tested without a browser: how answers and events merge, and how the numbers read.
 */

const newer = (a: { updatedAt: string }, b: { updatedAt: string }): boolean => Date.parse(a.updatedAt) >= Date.parse(b.updatedAt);

/**
 * The finalization as the view shows it, from what is known and what just arrived (a
 * query, an event, a mutation's answer), in any order: a later round replaces an earlier
 * one; within a round the newer record's status and results win, and every replicate is
 * the newest version either side has.
 */
export function mergeFinalization(known: Finalization | null, incoming: Finalization): Finalization {
  if (known === null || incoming.round > known.round) return incoming;
  if (incoming.round < known.round) return known;
  const base = newer(incoming, known) ? incoming : { ...incoming, status: known.status, error: known.error, updatedAt: known.updatedAt, finishedAt: known.finishedAt };
  const knownReplicates = new Map(known.finalists.flatMap((f) => f.replicates.map((r) => [r.id, r] as const)));
  return {
    ...base,
    finalists: base.finalists.map((f) => ({
      ...f,
      replicates: f.replicates.map((r) => {
        const mine = knownReplicates.get(r.id);
        return mine !== undefined && !newer(r, mine) ? mine : r;
      }),
    })),
  };
}

/**
 * A finalist's trial from trialUpdated put in its place: its finalist's list, if it is of
 * the current round and newer than what is shown. Null when it changes nothing (a search
 * trial, an older round, an older version).
 */
export function withReplicate(finalization: Finalization, trial: Replicate): Finalization | null {
  if (trial.final === null || trial.finalistOfId === null || trial.final.round !== finalization.round) return null;
  const at = finalization.finalists.findIndex((f) => f.proxyTrial.id === trial.finalistOfId);
  if (at < 0) return null;
  const finalist = finalization.finalists[at]!;
  const known = finalist.replicates.find((r) => r.id === trial.id);
  if (known !== undefined && !newer(trial, known)) return null;
  const replicate: Replicate = { id: trial.id, sequence: trial.sequence, status: trial.status, reward: trial.reward, error: trial.error, updatedAt: trial.updatedAt, finalistOfId: trial.finalistOfId, final: trial.final };
  const replicates = known === undefined ? [...finalist.replicates, replicate].sort((a, b) => a.sequence - b.sequence) : finalist.replicates.map((r) => (r.id === trial.id ? replicate : r));
  const finalists = [...finalization.finalists];
  finalists[at] = { ...finalist, replicates };
  return { ...finalization, finalists };
}

export interface ReplicateCounts {
  readonly done: number;
  readonly failed: number;
  readonly running: number;
  readonly pending: number;
  readonly cancelled: number;
  readonly total: number;
}

/** A finalist's trainings by state, as the table's "replicates" column reads them. */
export function replicateCounts(finalist: Pick<Finalist, 'replicates'>): ReplicateCounts {
  const count = (...statuses: string[]): number => finalist.replicates.filter((r) => statuses.includes(r.status)).length;
  return {
    done: count('SUCCEEDED'),
    failed: count('FAILED', 'PRUNED'),
    running: count('RUNNING'),
    pending: count('PENDING'),
    cancelled: count('CANCELLED'),
    total: finalist.replicates.length,
  };
}

/** Spearman's rho read out: how far the proxy's ranking can be trusted next time. */
export function spearmanVerdict(rho: number | null, finalists: number): string {
  if (rho === null) return finalists < 2 ? 'needs two finalists with results or more' : 'not yet: it needs finished finalists';
  if (finalists < 3) return 'from two finalists only: ±1 says little';
  if (rho >= 0.8) return 'the proxy ranked them as the final training did: trust it next time';
  if (rho >= 0.4) return 'the proxy roughly agreed with the final training: trust its top, not its order';
  if (rho > -0.4) return 'the proxy barely predicted the final ranking: give the search a longer proxy budget';
  return 'the proxy ranked them against the final training: do not trust it';
}
