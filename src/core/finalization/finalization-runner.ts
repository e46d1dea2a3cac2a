import type { Evaluator } from '../../evaluation/evaluator.js';
import { Dispatcher } from '../scheduler/dispatcher.js';
import { failureBackoffMs, PassCue } from '../scheduler/pass-cue.js';
import type { RunnerDeps } from '../scheduler/experiment-runner.js';
import { lostTrials } from '../scheduler/snapshot.js';
import { TrialStage } from '../trials/trial-stage.js';
import { TrialStatus } from '../trials/trial-status.js';
import { reclaim } from '../trials/trial-transitions.js';
import { FinalizationStatus } from './finalization-status.js';

type PassResult = 'idle' | 'done';

/**
 * One experiment's finalization loop, the search loop's smaller sibling: under the same
 * scheduler claim on the experiment row (the search is over, so nobody else holds it), a
 * pass gives lost finalists back (the search's lease rule: snapshot.ts), ends the round
 * once nothing is left to run, and otherwise starts PENDING finalists on the in-process
 * evaluator. Workers claim finalists through the API as they claim search trials, so a
 * crash or a restart resumes a finalization where it stood.
 */
export class FinalizationRunner {
  private evaluator: Evaluator | null | undefined;
  private readonly dispatcher: Dispatcher;
  private readonly workerId: string;
  private readonly cue: PassCue;
  private stopping = false;
  private firstPass = true;
  private failures = 0;
  readonly done: Promise<void>;

  constructor(
    readonly experimentId: string,
    private readonly deps: RunnerDeps,
  ) {
    this.workerId = `inproc:${deps.ownerId}`;
    this.cue = new PassCue(deps.options.resyncMs);
    this.dispatcher = new Dispatcher({
      trials: deps.trials,
      logger: deps.logger,
      workerId: this.workerId,
      leaseSeconds: deps.options.trialLeaseSeconds,
      settled: () => this.wake(),
      stage: TrialStage.FINAL,
      artifacts: deps.artifacts,
    });
    this.done = this.loop();
  }

  wake(): void {
    this.cue.cue();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.cue.interrupt();
    await this.done;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      await this.cue.due();
      if (this.stopping) break;
      try {
        if ((await this.pass()) === 'done') break;
        this.failures = 0;
      } catch (error) {
        this.failures += 1;
        this.deps.logger.error({ err: error, experimentId: this.experimentId, failures: this.failures }, 'finalization pass failed');
        await new Promise((resolve) => setTimeout(resolve, failureBackoffMs(this.failures)));
        this.cue.cue();
      }
    }
    await this.dispatcher.stop();
    await this.evaluator?.dispose().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'evaluator dispose failed'));
    this.evaluator = undefined;
    await this.deps.storage.experiments.releaseScheduler(this.experimentId, this.deps.ownerId).catch(() => undefined);
  }

  private async pass(): Promise<PassResult> {
    const { storage, options, ownerId, trials } = this.deps;
    const now = this.deps.now();
    const takeOver = this.deps.exclusive && this.firstPass;
    if (!(await storage.experiments.claimScheduler(this.experimentId, ownerId, new Date(now.getTime() + options.schedulerLeaseSeconds * 1000), now, takeOver))) return 'done';
    const [experiment, record] = await Promise.all([storage.experiments.findById(this.experimentId), storage.finalizations.findById(this.experimentId)]);
    if (experiment === null || record === null || record.status !== FinalizationStatus.RUNNING) return 'done';

    const predecessor = takeOver ? (workerId: string) => workerId.startsWith('inproc:') && workerId !== this.workerId : null;
    const running = predecessor
      ? await storage.trials.listByStatus(this.experimentId, [TrialStatus.RUNNING], 10_000, TrialStage.FINAL)
      : await storage.trials.listExpiredLeases(this.experimentId, now, TrialStage.FINAL);
    for (const lost of lostTrials(running, { now, ours: (id) => this.dispatcher.runs(id), predecessor })) {
      await trials.transition(lost.trial.id, reclaim(lost.trial.workerId, experiment.budget.maxRetries, lost.reason, lost.countAttempt));
    }
    this.firstPass = false;

    const settled = await this.deps.finalizations.settle(this.experimentId);
    if (settled === null || settled.status !== FinalizationStatus.RUNNING) {
      this.deps.logger.info({ experimentId: this.experimentId, status: settled?.status, error: settled?.error }, 'finalization finished');
      return 'done';
    }
    if (this.evaluator === undefined) this.evaluator = this.deps.evaluators.create(experiment.evaluator, experiment.constraints, 'final');
    if (this.evaluator && !this.stopping) await this.dispatcher.fill(experiment, this.evaluator);
    return 'idle';
  }
}
