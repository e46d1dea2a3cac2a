import type { ExperimentRecord, TrialRecord } from '../storage/records.js';
import type { TrialTally } from '../storage/storage.js';
import { sum } from '../trials/tally.js';
import type { FinalizationView } from './finalization.service.js';
import { TEST_METRIC, type Stat } from './summary.js';

/** Written on request beside the stored files of every finalist's model. */
export const MODEL_CARD_FILE = 'MODEL_CARD.md';

export interface ModelCardInput {
  readonly experiment: ExperimentRecord;
  readonly view: FinalizationView;
  /** The FINAL trial whose model this is. */
  readonly trial: TrialRecord;
  /** The search's trials, for "how it was found". */
  readonly searchTally: TrialTally;
  readonly version: string;
}

const pct = (v: number): string => (Math.abs(v) <= 1 ? `${(v * 100).toFixed(2)} %` : v.toFixed(3));
const stat = (s: Stat | null): string => (s === null ? 'n/a' : `${pct(s.mean)}${s.std === null ? '' : ` ± ${pct(s.std)}`} (${s.n} seed${s.n === 1 ? '' : 's'})`);
const json = (v: unknown): string => `\`${JSON.stringify(v)}\``;
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/**
 * MODEL_CARD.md for a finalist's model (after Mitchell et al., "Model Cards for Model
 * Reporting"), written on request from what is stored, so it always states the
 * finalization's current numbers: what the model is, what it was trained and tested on,
 * how well it did with its spread over seeds, and the search that found it.
 */
export function modelCard(input: ModelCardInput): string {
  const { experiment, view, trial, searchTally, version } = input;
  const model = trial.artifact?.model;
  if (!model) throw new Error(`trial ${trial.id} kept no model`);
  const summary = view.summary;
  const mine = summary.finalists.find((f) => f.proxyTrialId === trial.finalistOf);
  const isWinner = summary.winner !== null && summary.winner.bestReplicateId === trial.id;
  const proxy = view.finalists.find((f) => f.proxy.id === trial.finalistOf)?.proxy;
  const test = trial.finalMetrics[TEST_METRIC];
  const lines = [
    `# ${experiment.name}: ${trial.label}`,
    '',
    isWinner
      ? `The winner of finalization round ${view.record.round} of experiment \`${experiment.id}\`: the finalist with the best mean validation, and its best seed.`
      : `Finalist ${mine ? `#${mine.proxyRank} by proxy reward` : ''} of finalization round ${view.record.round} of experiment \`${experiment.id}\` (not the winner${summary.winner ? `: that is trial \`${summary.winner.bestReplicateId}\`` : ''}).`,
    '',
    '## Model',
    '',
    `- TensorFlow.js LayersModel (\`model.json\` + weights): \`tf.loadLayersModel('…/model.json')\` in the browser or in Node; standard layers only.`,
    `- Input: ${model.inputShape.join(' × ')} (height × width × channels) of raw values; output: probabilities over ${model.numClasses} classes${model.classNames ? ` (${model.classNames.join(', ')})` : ''}.`,
    `- Preprocessing (inside the model): ${model.preprocessing}`,
    `- Parameters: ${int(model.params)}; FLOPs per input: ${int(model.flops)}.`,
    model.latencyMs
      ? `- Latency measured when it was exported${trial.runtime ? ` (${trial.runtime.backend}${trial.runtime.adapter ? `, ${trial.runtime.adapter}` : ''})` : ''}: ${model.latencyMs.batch1.toFixed(2)} ms at batch 1, ${model.latencyMs.batch64PerSample.toFixed(3)} ms per input at batch 64.`
      : '- Latency: not measured.',
    `- Architecture: \`${trial.label}\` (fingerprint \`${trial.fingerprint}\`); the decisions and the built layer graph are in \`architecture.json\`.`,
    '',
    '## Data',
    '',
    `- ${model.dataset}`,
    '- The test split was held out from the whole search: no search trial trained or validated on it, and the winner was chosen by validation, not by test.',
    '',
    '## Results',
    '',
    `| | validation (${experiment.objective.metric}) | test accuracy |`,
    '|---|---:|---:|',
    `| this model (seed ${trial.final ? `${trial.final.replicate + 1} of ${view.record.spec.seeds}` : '?'}) | ${trial.reward === null ? 'n/a' : pct(trial.reward)} | ${test === undefined ? 'n/a' : pct(test)} |`,
    `| its finalist over seeds | ${stat(mine?.validation ?? null)} | ${stat(mine?.test ?? null)} |`,
    ...(summary.winner && !isWinner ? [`| the winner over seeds | ${stat(summary.winner.validation)} | ${stat(summary.winner.test)} |`] : []),
    '',
    `- Proxy reward of the search trial it retrains (\`${trial.finalistOf}\`): ${proxy?.reward === null || proxy?.reward === undefined ? 'n/a' : pct(proxy.reward)}.`,
    `- How well the proxy predicted the final ranking over the ${summary.finalists.length} finalists: Spearman ${summary.spearman === null ? 'n/a' : summary.spearman.toFixed(3)} (validation), ${summary.spearmanTest === null ? 'n/a' : summary.spearmanTest.toFixed(3)} (test).`,
    ...(summary.inheritance
      ? [`- Weight inheritance (inherited − cold start, paired by seed): validation ${stat(summary.inheritance.validationGain)}, test ${stat(summary.inheritance.testGain)}.`]
      : []),
    '',
    '## How it was found',
    '',
    `- Search: strategy \`${experiment.strategy.type}\` ${json(experiment.strategy.hyperparameters)}, seed ${experiment.seed}, ${sum(searchTally.evaluations)} evaluations (${sum(searchTally.duplicates)} duplicates answered), ended ${experiment.status}${experiment.endReason ? ` (${experiment.endReason})` : ''}.`,
    `- Proxy (search) evaluator: \`${experiment.evaluator.type}\` ${json(experiment.evaluator.options)}.`,
    `- Final budget over it: ${json(view.record.spec.budget)}; top ${view.record.spec.topK} × ${view.record.spec.seeds} seed${view.record.spec.seeds === 1 ? '' : 's'}${view.record.spec.inheritWeights ? ', with weight inheritance' : ''}; this trial's seed ${trial.final?.seed ?? '?'}${trial.final?.inheritFromSeed != null ? ' (started from the proxy trial’s weights)' : ''}.`,
    `- graphnas ${version}; trial \`${trial.id}\`, finished ${trial.finishedAt?.toISOString() ?? 'n/a'}.`,
    '',
    '## Limitations',
    '',
    `- Measured on ${model.dataset.split(':')[0]} only; accuracy on other data, other input sizes or other preprocessing is unknown.`,
    '- The spread over seeds is the training noise at this budget; a different budget can reorder the finalists.',
    '',
  ];
  return lines.join('\n');
}
