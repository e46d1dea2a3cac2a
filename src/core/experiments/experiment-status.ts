import { ConflictError } from '../errors.js';

/** `CREATED → RUNNING ⇄ PAUSED → SUCCEEDED | FAILED | CANCELLED` */
export enum ExperimentStatus {
  CREATED = 'CREATED',
  RUNNING = 'RUNNING',
  PAUSED = 'PAUSED',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

/** Why an experiment ended; recorded with its final status. */
export enum EndReason {
  MAX_TRIALS = 'MAX_TRIALS',
  GOAL_REACHED = 'GOAL_REACHED',
  CONVERGED = 'CONVERGED',
  TOO_MANY_FAILURES = 'TOO_MANY_FAILURES',
  TIME_LIMIT = 'TIME_LIMIT',
  CANCELLED = 'CANCELLED',
  SPACE_EXHAUSTED = 'SPACE_EXHAUSTED',
  ERROR = 'ERROR',
}

const TRANSITIONS: Readonly<Record<ExperimentStatus, readonly ExperimentStatus[]>> = {
  [ExperimentStatus.CREATED]: [ExperimentStatus.RUNNING, ExperimentStatus.CANCELLED],
  [ExperimentStatus.RUNNING]: [
    ExperimentStatus.PAUSED,
    ExperimentStatus.SUCCEEDED,
    ExperimentStatus.FAILED,
    ExperimentStatus.CANCELLED,
  ],
  [ExperimentStatus.PAUSED]: [ExperimentStatus.RUNNING, ExperimentStatus.CANCELLED],
  [ExperimentStatus.SUCCEEDED]: [],
  [ExperimentStatus.FAILED]: [],
  [ExperimentStatus.CANCELLED]: [],
};

export function isExperimentFinished(status: ExperimentStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

export function canTransitionExperiment(from: ExperimentStatus, to: ExperimentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertExperimentTransition(id: string, from: ExperimentStatus, to: ExperimentStatus): void {
  if (!canTransitionExperiment(from, to)) {
    throw new ConflictError(`experiment ${id} is ${from} and cannot become ${to}`, { from, to });
  }
}
