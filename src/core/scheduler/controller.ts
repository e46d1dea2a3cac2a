import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { experimentSeeds } from '../../random/index.js';
import type { Decision } from '../../space/types.js';
import { createStrategy } from '../../strategies/index.js';
import type { Proposal, SearchStrategy, StrategySnapshot } from '../../strategies/strategy.js';
import type { PolicyUpdate } from '../events/topics.js';
import { strategyReward } from '../objective/objective.js';
import type { ExperimentRecord, PolicyCheckpointRecord, TrialRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { TrialStatus } from '../trials/trial-status.js';

/** Observations fed to the strategy between two turns of the event loop. */
const OBSERVE_SLICE = 16;

/**
 * The experiment's search strategy as the scheduler holds it: restored from the latest
 * policy checkpoint, fed finished results, asked for proposals, and written back as a
 * checkpoint in the transaction that records what it consumed and proposed. After a
 * failed transaction the runner drops it, and the next pass restores it from the
 * checkpoint, which has seen exactly the trials marked observed.
 */
export class Controller {
  private constructor(
    private readonly strategy: SearchStrategy,
    private readonly experimentId: string,
    /** The policy step of the newest stored checkpoint row. */
    private storedStep: number,
  ) {}

  static async restore(storage: Storage, experiment: ExperimentRecord, decisions: readonly Decision[]): Promise<Controller> {
    const strategy = createStrategy(decisions, experiment.strategy, experimentSeeds(experiment.seed).strategy);
    try {
      const checkpoint = await storage.checkpoints.latest(experiment.id);
      if (checkpoint !== null) strategy.restore(checkpoint.state as StrategySnapshot);
    } catch (error) {
      strategy.dispose();
      throw error;
    }
    return new Controller(strategy, experiment.id, strategy.stats().step);
  }

  /**
   * Feeds the finished trials that carry a reward (in the objective's direction: the
   * strategies maximise); returns their ids. Failed and cancelled trials teach nothing.
   */
  async observe(experiment: ExperimentRecord, trials: readonly TrialRecord[]): Promise<string[]> {
    const rewarded = trials.filter((t) => t.reward !== null && (t.status === TrialStatus.SUCCEEDED || t.status === TrialStatus.PRUNED));
    // Learning is synchronous CPU work (a REINFORCE update is a forward and backward pass):
    // in slices, with the event loop let through between them, so that the API and the
    // subscribers this process serves are never held for a whole batch of results.
    // Strategies learn the same from one call as from several (the contract of observe).
    for (let from = 0; from < rewarded.length; from += OBSERVE_SLICE) {
      if (from > 0) await setImmediate();
      await this.strategy.observe(
        rewarded.slice(from, from + OBSERVE_SLICE).map((t) => ({
          actions: t.actions,
          reward: strategyReward(experiment.objective, t.reward!),
          policyVersion: t.policyVersion,
          pruned: t.status === TrialStatus.PRUNED,
        })),
      );
    }
    return rewarded.map((t) => t.id);
  }

  propose(count: number): Promise<Proposal[]> {
    return this.strategy.propose(count);
  }

  /** The checkpoint row of the state as it is now; `newStep` when it is the first row of its policy step. */
  checkpoint(observedTrialIds: readonly string[], now: Date): { record: PolicyCheckpointRecord; update: PolicyUpdate; newStep: boolean } {
    const stats = this.strategy.stats();
    const update: PolicyUpdate = {
      id: randomUUID(),
      experimentId: this.experimentId,
      step: stats.step,
      stats: { baseline: stats.baseline, meanReward: stats.meanReward, entropy: stats.entropy },
      observedTrialIds,
      createdAt: now,
    };
    return { record: { ...update, state: this.strategy.snapshot() }, update, newStep: stats.step !== this.storedStep };
  }

  /** After the checkpoint's transaction committed. */
  stored(step: number): void {
    this.storedStep = step;
  }

  dispose(): void {
    this.strategy.dispose();
  }
}
