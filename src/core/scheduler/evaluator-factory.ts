import type { Evaluator } from '../../evaluation/evaluator.js';
import type { Constraints, EvaluatorSpec } from '../storage/records.js';

/**
 * Builds the in-process evaluator of an experiment. `null` means the experiment's trials
 * are evaluated elsewhere (the `external` evaluator: workers claim them through the API),
 * so the scheduler proposes and records but dispatches nothing.
 *
 * `final`: the evaluator of a finalization, which runs in the service's pool whatever the
 * placement: finalists are scored on the test split and their models go to the service's
 * artifact store, neither of which a worker has (src/core/finalization).
 */
export interface EvaluatorFactory {
  create(spec: EvaluatorSpec, constraints: Constraints, stage?: 'search' | 'final'): Evaluator | null;
}
