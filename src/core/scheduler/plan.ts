import type { CompiledSpace } from '../../space/index.js';
import { ExperimentStatus } from '../experiments/experiment-status.js';
import type { TrialRecord } from '../storage/records.js';
import type { Storage, TrialCounts, TrialTally } from '../storage/storage.js';
import { activeEvaluations, evaluationsUsed } from '../trials/tally.js';
import { TrialStatus } from '../trials/trial-status.js';
import { reclaimRetries } from '../trials/trial-transitions.js';
import type { Controller } from './controller.js';
import { endOf, type Ending } from './end-conditions.js';
import { sortProposals, type ProposalBatch } from './proposals.js';
import type { LostTrial, PassSnapshot } from './snapshot.js';

/** What one pass will write, decided from its snapshot; `applyPlan` writes it in one transaction. */
export interface PassPlan {
  readonly reclaims: readonly LostTrial[];
  /** Finished trials the strategy consumed in this pass (marked observed with its checkpoint). */
  readonly observed: readonly TrialRecord[];
  /** Those of them whose reward it learned from. */
  readonly rewardedIds: readonly string[];
  readonly ending: Ending | null;
  readonly proposals: ProposalBatch | null;
  readonly bestTrialId: string | null;
  /** Another pass should follow at once (free slots that duplicates left empty). */
  readonly again: boolean;
}

/** The tally as it will be once the lost trials are reclaimed. */
function afterReclaims(tally: TrialTally, lost: readonly LostTrial[], maxRetries: number): TrialCounts {
  const counts = { ...tally.evaluations } as Record<TrialStatus, number>;
  for (const { trial, countAttempt } of lost) {
    counts[TrialStatus.RUNNING] -= 1;
    counts[reclaimRetries(trial, maxRetries, countAttempt) ? TrialStatus.PENDING : TrialStatus.FAILED] += 1;
  }
  return counts;
}

/**
 * One step towards the budget: feed the strategy what finished, end the experiment if a
 * rule says so, otherwise propose up to `parallelTrials − active` within `maxTrials −
 * evaluations`. Only the strategy's memory changes here; storage changes in `applyPlan`.
 */
export async function planPass(snapshot: PassSnapshot, controller: Controller, space: CompiledSpace, storage: Storage): Promise<PassPlan> {
  const { experiment, tally, unobserved, moreUnobserved, lost, best } = snapshot;
  const { budget } = experiment;
  const rewardedIds = await controller.observe(experiment, unobserved);
  const counts = afterReclaims(tally, lost, budget.maxRetries);
  const projected: TrialTally = { evaluations: counts, duplicates: tally.duplicates };
  // What this pass read unobserved it consumes, in the transaction that ends it; a backlog
  // beyond that keeps the experiment from ending until a later pass has consumed it too.
  const ending = endOf(experiment, {
    counts,
    evaluations: evaluationsUsed(projected),
    unobserved: moreUnobserved ? 1 : 0,
    bestReward: best?.reward ?? null,
    cardinality: space.cardinality,
    now: snapshot.now,
  });
  let proposals: ProposalBatch | null = null;
  // Proposals wait for the whole backlog: they are the ones one pass over all of it would make.
  let again = moreUnobserved;
  if (ending === null && !moreUnobserved && experiment.status === ExperimentStatus.RUNNING && experiment.consecutiveDuplicates < budget.maxConsecutiveDuplicates) {
    const slots = Math.min(budget.parallelTrials - activeEvaluations(projected), budget.maxTrials - evaluationsUsed(projected));
    if (slots > 0) {
      proposals = await sortProposals(storage, experiment.id, space, await controller.propose(slots), experiment.consecutiveDuplicates);
      again = proposals.evaluations < slots && proposals.consecutiveDuplicates < budget.maxConsecutiveDuplicates;
    }
  }
  return { reclaims: lost, observed: unobserved, rewardedIds, ending, proposals, bestTrialId: best?.id ?? null, again };
}
