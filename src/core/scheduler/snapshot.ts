import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { Storage, TrialTally } from '../storage/storage.js';
import { TrialStatus } from '../trials/trial-status.js';

/** Everything one scheduler pass decides from, read once at its start (Katib's shape: snapshot → plan → apply). */
export interface PassSnapshot {
  readonly experiment: ExperimentRecord;
  readonly tally: TrialTally;
  /** Finished trials whose result the strategy has not consumed, in sequence order: at most `UNOBSERVED_PER_PASS`. */
  readonly unobserved: readonly TrialRecord[];
  /** More unobserved trials wait beyond those: the pass consumes these and asks for another. */
  readonly moreUnobserved: boolean;
  readonly best: TrialRecord | null;
  /** RUNNING trials whose lease ran out, or whose holder is known to be gone. */
  readonly lost: readonly LostTrial[];
  readonly now: Date;
}

export interface LostTrial {
  readonly trial: TrialRecord;
  readonly reason: string;
  /** False when the holder was our own dead predecessor: the trial is not to blame. */
  readonly countAttempt: boolean;
}

export interface SnapshotOptions {
  readonly now: Date;
  /** Trials this process is evaluating: their leases are renewed by us, whatever the clock says. */
  readonly ours: (trialId: string) => boolean;
  /**
   * Embedded mode's first pass: a RUNNING trial held by another in-process worker id was
   * our predecessor's, which died with its process; it goes back at once, without
   * counting an attempt (a restart slower than the lease must not fail it).
   */
  readonly predecessor: ((workerId: string) => boolean) | null;
}

/**
 * A backlog of finished trials (an external evaluator that reported thousands at once, a
 * restart after a long outage) is consumed over several passes, so that no single pass
 * holds its transaction, its checkpoint or the strategy's learning for the whole backlog.
 */
export const UNOBSERVED_PER_PASS = 256;

export async function readSnapshot(storage: Storage, experimentId: string, options: SnapshotOptions): Promise<PassSnapshot | null> {
  const experiment = await storage.experiments.findById(experimentId);
  if (experiment === null) return null;
  const [tally, unobserved, best, running] = await Promise.all([
    storage.trials.tally(experimentId),
    storage.trials.listUnobserved(experimentId, UNOBSERVED_PER_PASS + 1),
    storage.trials.best(experimentId, experiment.objective.direction, 1),
    options.predecessor ? storage.trials.listByStatus(experimentId, [TrialStatus.RUNNING]) : storage.trials.listExpiredLeases(experimentId, options.now),
  ]);
  return {
    experiment,
    tally,
    unobserved: unobserved.slice(0, UNOBSERVED_PER_PASS),
    moreUnobserved: unobserved.length > UNOBSERVED_PER_PASS,
    best: best[0] ?? null,
    lost: lostTrials(running, options),
    now: options.now,
  };
}

/** Which of these RUNNING trials have lost their holder; the finalization runner judges its finalists by the same rule. */
export function lostTrials(running: readonly TrialRecord[], options: SnapshotOptions): LostTrial[] {
  const lost: LostTrial[] = [];
  for (const trial of running) {
    if (options.ours(trial.id)) continue;
    if (options.predecessor && trial.workerId !== null && options.predecessor(trial.workerId)) {
      lost.push({ trial, reason: 'the previous server process stopped', countAttempt: false });
    } else if (trial.leaseExpiresAt !== null && trial.leaseExpiresAt < options.now) {
      lost.push({ trial, reason: `lease of ${trial.workerId ?? 'its worker'} expired`, countAttempt: true });
    }
  }
  return lost;
}
