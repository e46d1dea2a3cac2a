import type { Evaluator } from '../../evaluation/evaluator.js';
import type { Constraints, EvaluatorSpec } from '../storage/records.js';

/**
 * Builds the in-process evaluator of an experiment. `null` means the experiment's trials
 * are evaluated elsewhere (the `external` evaluator: workers claim them through the API),
 * so the scheduler proposes and records but dispatches nothing.
 */
export interface EvaluatorFactory {
  create(spec: EvaluatorSpec, constraints: Constraints): Evaluator | null;
}
