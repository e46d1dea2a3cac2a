/**
 * Which stage of the two-stage method a trial belongs to: SEARCH trials are the proxy
 * evaluations the strategy proposes and observes; FINAL trials retrain a finalist at the
 * final budget (src/core/finalization). Finals never reach the strategy, the search's
 * budget, its best trial or its early-stopping rule.
 */
export enum TrialStage {
  SEARCH = 'SEARCH',
  FINAL = 'FINAL',
}
