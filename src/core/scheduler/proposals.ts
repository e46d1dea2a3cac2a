import type { CompiledSpace } from '../../space/index.js';
import type { Proposal } from '../../strategies/strategy.js';
import type { Storage } from '../storage/storage.js';
import type { NewTrial } from '../trials/new-trials.js';
import { TrialStatus } from '../trials/trial-status.js';

/** A strategy's proposals sorted by what they cost. */
export interface ProposalBatch {
  /** In proposal order: new evaluations, and duplicates answered from an earlier result. */
  readonly trials: readonly NewTrial[];
  /** How many of them are new evaluations (they use budget). */
  readonly evaluations: number;
  /** Proposals of an architecture being evaluated right now (or failed): nothing to answer with. */
  readonly dropped: number;
  /** Proposals in a row that were not new, carried over from earlier batches: the convergence count. */
  readonly consecutiveDuplicates: number;
}

/**
 * Duplicate answering. A proposal of a new architecture becomes an evaluation; one whose
 * fingerprint matches a finished evaluation (SUCCEEDED or PRUNED) is answered from it at
 * no budget; one matching an evaluation in flight (or a failed one) is dropped, since
 * evaluating it twice would waste budget. Either of the latter counts towards convergence.
 */
export async function sortProposals(
  storage: Storage,
  experimentId: string,
  space: CompiledSpace,
  proposals: readonly Proposal[],
  consecutiveDuplicates: number,
): Promise<ProposalBatch> {
  const decoded = proposals.map((p) => {
    const architecture = space.decode(p.actions);
    return { actions: p.actions, architecture, label: space.label(architecture), fingerprint: space.fingerprint(architecture), policyVersion: p.policyVersion, logProb: p.logProb };
  });
  const known = await storage.trials.findByFingerprints(experimentId, decoded.map((d) => d.fingerprint));
  const trials: NewTrial[] = [];
  const inBatch = new Set<string>();
  let evaluations = 0;
  let dropped = 0;
  let duplicates = consecutiveDuplicates;
  for (const trial of decoded) {
    const existing = known.get(trial.fingerprint);
    if (existing === undefined && !inBatch.has(trial.fingerprint)) {
      trials.push(trial);
      inBatch.add(trial.fingerprint);
      evaluations += 1;
      duplicates = 0;
    } else if (existing !== undefined && (existing.status === TrialStatus.SUCCEEDED || existing.status === TrialStatus.PRUNED)) {
      trials.push({ ...trial, answeredBy: existing });
      duplicates += 1;
    } else {
      dropped += 1;
      duplicates += 1;
    }
  }
  return { trials, evaluations, dropped, consecutiveDuplicates: duplicates };
}
