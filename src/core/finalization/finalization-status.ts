/**
 * `RUNNING → SUCCEEDED | FAILED | CANCELLED`. SUCCEEDED once every finalist trial has
 * ended and at least one finalist has a result; FAILED when none has. A FAILED or
 * CANCELLED finalization can be started again (a new round); a SUCCEEDED one stays.
 */
export enum FinalizationStatus {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
