import type { Issue } from '../errors/index.js';

/**
 * Where an experiment's trials are evaluated, as its evaluator's `placement` option says:
 *
 * - `service` (the default): in the worker-thread pool of the API replica that holds the
 *   experiment's scheduler claim. Nothing else may claim them: right for the embedded
 *   mode and for evaluators as cheap as a table lookup.
 * - `workers`: only by `graphnas worker` processes (or any ask/tell client), which claim
 *   them over the API; they wait PENDING until one does. The `external` evaluator is
 *   always here: it has no in-process part.
 * - `any`: both, from one queue. The service's pool claims a trial only when it has a
 *   thread free to start it at once, so a trial never waits in the service's queue while
 *   a worker idles.
 *
 * Whoever evaluates a trial runs the same evaluator with the same options and seeds, and
 * reports through the same trial service, so the placement changes who computes a
 * result, never what it is.
 */
export type Placement = 'service' | 'workers' | 'any';
export const PLACEMENTS: readonly Placement[] = ['service', 'workers', 'any'];

/** The option's name in an evaluator's options; the evaluator itself never sees it. */
export const PLACEMENT_OPTION = 'placement';

/** The evaluator type whose trials only ever run outside the service. */
const EXTERNAL = 'external';

export interface EvaluatorSpecLike {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
}

export function placementOf(spec: EvaluatorSpecLike): Placement {
  if (spec.type === EXTERNAL) return 'workers';
  const value = spec.options[PLACEMENT_OPTION];
  return (PLACEMENTS as readonly unknown[]).includes(value) ? (value as Placement) : 'service';
}

/** Whether workers may claim the experiment's trials over the API. */
export function workersMayClaim(spec: EvaluatorSpecLike): boolean {
  return placementOf(spec) !== 'service';
}

/** Problems with the option, with paths relative to the options object. */
export function placementIssues(spec: EvaluatorSpecLike): Issue[] {
  const value = spec.options[PLACEMENT_OPTION];
  if (value === undefined || spec.type === EXTERNAL) return [];
  return (PLACEMENTS as readonly unknown[]).includes(value) ? [] : [{ path: PLACEMENT_OPTION, message: `must be one of ${PLACEMENTS.join(', ')}, got ${JSON.stringify(value)}` }];
}

/** The options the evaluator type itself takes: all but `placement`, which is the scheduler's. */
export function evaluatorOptions(spec: EvaluatorSpecLike): Readonly<Record<string, unknown>> {
  if (!(PLACEMENT_OPTION in spec.options) || spec.type === EXTERNAL) return spec.options;
  const { [PLACEMENT_OPTION]: _placement, ...own } = spec.options;
  return own;
}

