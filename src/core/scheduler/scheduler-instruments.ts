/**
 * What the scheduler reports about itself for /metrics. The core knows no metrics
 * library: the composition root plugs one in (src/metrics/service-metrics.ts).
 */
export interface SchedulerInstruments {
  /** One pass: how long it took, and how long after its cue (an event, a settled evaluation) it began. */
  passed(seconds: number, lagSeconds: number): void;
  /** The strategy's share of a pass that fed it results or asked it for proposals. */
  strategyRan(seconds: number): void;
  /** Trials whose lease ran out, reclaimed by a committed pass. */
  leasesExpired(count: number): void;
}
