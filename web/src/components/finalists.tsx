import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import {
  CANCEL_FINALIZATION,
  FINAL_CURVE_METRIC,
  FINALIZE_EXPERIMENT,
  type CancelFinalizationData,
  type ExperimentDetail,
  type Finalist,
  type Finalization,
  type FinalizeExperimentData,
  type FinalizeInput,
  type JsonValue,
  type ModelFile,
  type Stat,
  type TrialModel,
} from '../api/documents.js';
import { useSession, useStore } from '../hooks.js';
import { replicateCounts, spearmanVerdict } from '../model/finalization.js';
import type { FinalistsLive } from '../model/finalists-live.js';
import { formatChoice, formatCount, formatReward, formatTime } from '../model/format.js';
import { Link } from '../router.js';
import { FinalistCurvesChart, type FinalistCurve } from './charts.js';
import { ConfirmDialog, ErrorNote, Panel, StatusBadge } from './common.js';

/** Search states after which finalizeExperiment is allowed (the API answers CONFLICT before). */
const ENDED = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const STATUS_MARK: Partial<Record<string, string>> = { SUCCEEDED: '✓', RUNNING: '…', FAILED: '✗', PRUNED: '✗', CANCELLED: '–' };
/** Evaluators whose finalists train weights (and so can inherit the proxy's); a table looks values up. */
const TRAINS_WEIGHTS = new Set(['tfjs-trainer']);

export function formatStat(stat: Stat | null): string {
  if (stat === null) return '—';
  return stat.std === null ? formatReward(stat.mean) : `${formatReward(stat.mean)} ± ${formatReward(stat.std)}`;
}

function formatGain(stat: Stat | null): string {
  if (stat === null) return '—';
  const sign = stat.mean > 0 ? '+' : '';
  return `${sign}${formatReward(stat.mean)}${stat.std === null ? '' : ` ± ${formatReward(stat.std)}`} (${stat.n} pair${stat.n === 1 ? '' : 's'})`;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function entries(value: JsonValue): [string, JsonValue][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}

/**
 * The second stage beside the search: the finalization's state and its Finalize / Cancel
 * buttons, the finalists against their proxy rewards, how well the proxy predicted the
 * final ranking, the finalists' curves as they train, and the winner's model to download.
 */
export function FinalistsView({ live, experiment }: { live: FinalistsLive; experiment: ExperimentDetail }): JSX.Element {
  const finalization = useStore(live.finalization);
  const loaded = useStore(live.loaded);
  const error = useStore(live.error);
  if (!loaded && finalization === null) {
    return error === null ? <p class="muted">Loading…</p> : <ErrorNote error={error} />;
  }
  return (
    <div class="grid">
      <Panel title="Finalization" id="finalization" wide actions={<FinalizationActions live={live} experiment={experiment} finalization={finalization} />}>
        <ErrorNote error={error} />
        <FinalizationStatusLine experiment={experiment} finalization={finalization} />
      </Panel>
      {finalization === null ? null : (
        <>
          <Panel title="Finalists" id="finalists" wide>
            <FinalistsTable finalization={finalization} metric={experiment.objective.metric} />
          </Panel>
          <Panel title="Did the proxy predict it?" id="proxy-check">
            <ProxyCheck finalization={finalization} />
          </Panel>
          <Panel title="The winner's model" id="winner-model">
            <WinnerModel finalization={finalization} evaluator={experiment.evaluator.type} />
          </Panel>
          <Panel title="Finalists' learning curves" id="final-curves" wide>
            <FinalCurves live={live} finalization={finalization} />
          </Panel>
        </>
      )}
    </div>
  );
}

function FinalizationStatusLine({ experiment, finalization }: { experiment: ExperimentDetail; finalization: Finalization | null }): JSX.Element {
  if (finalization === null) {
    return (
      <div data-testid="finalization-status" data-status="NONE">
        <p>
          Finalizing retrains the search's best distinct architectures at a final budget with several seeds, tests each once on the held-out split, and picks the winner by
          validation (the test score is reported, never chosen on).
        </p>
        <p class="muted">{ENDED.has(experiment.status) ? 'Not finalized yet.' : `The search is ${experiment.status.toLowerCase()}: it can be finalized once it has ended.`}</p>
      </div>
    );
  }
  const trainings = finalization.finalists.flatMap((f) => f.replicates);
  const finished = trainings.filter((r) => r.status !== 'PENDING' && r.status !== 'RUNNING').length;
  const budget = entries(finalization.budget);
  return (
    <div data-testid="finalization-status" data-status={finalization.status}>
      <p class="finalization-line">
        <StatusBadge status={finalization.status} /> round {finalization.round}: the best {finalization.topK} architectures × {finalization.seeds} seed{finalization.seeds === 1 ? '' : 's'}
        {finalization.inheritWeights ? ', each also from the proxy’s weights' : ''} — <span data-testid="trainings-done">{finished} of {trainings.length} trainings finished</span>
      </p>
      <dl class="facts">
        <div>
          <dt>final budget</dt>
          <dd class="mono small">{budget.length === 0 ? 'the search’s' : budget.map(([k, v]) => `${k}=${formatChoice(v)}`).join(' ')}</dd>
        </div>
        {entries(finalization.overrides).length === 0 ? null : (
          <div>
            <dt>as given</dt>
            <dd class="mono small">{JSON.stringify(finalization.overrides)}</dd>
          </div>
        )}
        <div>
          <dt>started</dt>
          <dd>{formatTime(finalization.createdAt)}</dd>
        </div>
        <div>
          <dt>finished</dt>
          <dd>{formatTime(finalization.finishedAt)}</dd>
        </div>
      </dl>
      {finalization.error === null ? null : <p class={finalization.status === 'FAILED' ? 'error-note' : 'muted'}>{finalization.error}</p>}
    </div>
  );
}

function FinalizationActions({ live, experiment, finalization }: { live: FinalistsLive; experiment: ExperimentDetail; finalization: Finalization | null }): JSX.Element | null {
  const { api, canOperate } = useSession();
  const [form, setForm] = useState(false);
  const [ask, setAsk] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  if (!canOperate) return null;
  const status = finalization?.status ?? null;
  const canStart = ENDED.has(experiment.status) && (status === null || status === 'FAILED' || status === 'CANCELLED');
  const cancel = (): void => {
    setBusy(true);
    setError(null);
    api
      .mutate<CancelFinalizationData>(CANCEL_FINALIZATION, { id: experiment.id })
      .then((d) => live.apply(d.cancelFinalization))
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])))
      .finally(() => setBusy(false));
  };
  return (
    <div class="actions">
      {status === 'RUNNING' ? (
        <button type="button" disabled={busy} onClick={() => setAsk(true)}>
          Cancel finalization
        </button>
      ) : null}
      {status === 'RUNNING' || status === 'SUCCEEDED' ? null : (
        <button
          type="button"
          class="primary"
          disabled={!canStart}
          title={canStart ? undefined : 'once the search has ended'}
          onClick={() => setForm(true)}
        >
          {status === null ? 'Finalize…' : `Finalize again (round ${(finalization?.round ?? 0) + 1})…`}
        </button>
      )}
      <ErrorNote error={error} />
      <FinalizeDialog open={form} experiment={experiment} onClose={() => setForm(false)} onDone={(f) => live.apply(f)} />
      <ConfirmDialog open={ask} title="Cancel the finalization?" confirm="Cancel the finalization" danger onConfirm={cancel} onClose={() => setAsk(false)}>
        Unfinished finalists are cancelled and running trainings stopped; what finished stays. A new round can be started afterwards.
      </ConfirmDialog>
    </div>
  );
}

interface FinalizeForm {
  topK: string;
  seeds: string;
  budget: string;
  inheritWeights: boolean;
}

/** The paths the API gives its problems at, on this form's fields. */
function fieldOf(path: string): keyof FinalizeForm | 'other' {
  if (path.startsWith('input.topK')) return 'topK';
  if (path.startsWith('input.seeds')) return 'seeds';
  if (path.startsWith('input.budget')) return 'budget';
  if (path.startsWith('input.inheritWeights')) return 'inheritWeights';
  return 'other';
}

/** topK, seeds, an optional budget (JSON) and inherit weights, over finalizeExperiment; the API's problems at their fields. */
function FinalizeDialog(props: { open: boolean; experiment: ExperimentDetail; onClose: () => void; onDone: (f: Finalization) => void }): JSX.Element {
  const { api } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const table = props.experiment.evaluator.type === 'tabular';
  const trains = TRAINS_WEIGHTS.has(props.experiment.evaluator.type);
  const [form, setForm] = useState<FinalizeForm>({ topK: '5', seeds: table ? '1' : '3', budget: '', inheritWeights: false });
  const [problems, setProblems] = useState<Partial<Record<keyof FinalizeForm | 'other', string>>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
  }, [props.open]);

  const budgetProblem = useMemo((): string | null => {
    if (form.budget.trim() === '') return null;
    try {
      const value = JSON.parse(form.budget) as unknown;
      return typeof value === 'object' && value !== null && !Array.isArray(value) ? null : 'a JSON object of evaluator options, such as {"epochs": 20}';
    } catch (e) {
      return `not JSON: ${e instanceof Error ? e.message : String(e)}`;
    }
  }, [form.budget]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const found: Partial<Record<keyof FinalizeForm, string>> = {};
    const integer = (text: string, key: 'topK' | 'seeds', max: number): number | undefined => {
      if (text.trim() === '') return undefined;
      const n = Number(text);
      if (!Number.isInteger(n) || n < 1 || n > max) found[key] = `a whole number from 1 to ${max}`;
      return n;
    };
    const topK = integer(form.topK, 'topK', 50);
    const seeds = integer(form.seeds, 'seeds', 10);
    if (budgetProblem !== null) found.budget = budgetProblem;
    setProblems(found);
    setError(null);
    if (Object.keys(found).length > 0) return;
    const input: FinalizeInput = {
      ...(topK === undefined ? {} : { topK }),
      ...(seeds === undefined ? {} : { seeds }),
      ...(form.budget.trim() === '' ? {} : { budget: JSON.parse(form.budget) as JsonValue }),
      ...(form.inheritWeights ? { inheritWeights: true } : {}),
    };
    setBusy(true);
    api
      .mutate<FinalizeExperimentData>(FINALIZE_EXPERIMENT, { id: props.experiment.id, input })
      .then((d) => {
        props.onDone(d.finalizeExperiment);
        props.onClose();
      })
      .catch((e: unknown) => {
        const apiError = e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', []);
        const byField: Partial<Record<keyof FinalizeForm | 'other', string>> = {};
        for (const f of apiError.fields) {
          const key = fieldOf(f.path);
          byField[key] = `${byField[key] === undefined ? '' : `${byField[key]}; `}${key === 'budget' && f.path !== 'input.budget' ? `${f.path.slice('input.budget.'.length)}: ` : ''}${f.message}`;
        }
        setProblems(byField);
        setError(apiError);
      })
      .finally(() => setBusy(false));
  };

  const described = (key: keyof FinalizeForm, hint: boolean): Record<string, unknown> => {
    const ids = [hint ? `fz-${key}-hint` : null, problems[key] === undefined ? null : `fz-${key}-error`].filter((x): x is string => x !== null);
    return { id: `fz-${key}`, 'aria-invalid': problems[key] !== undefined, ...(ids.length === 0 ? {} : { 'aria-describedby': ids.join(' ') }) };
  };
  const problem = (key: keyof FinalizeForm): JSX.Element | null =>
    problems[key] === undefined ? null : (
      <span class="field-error" id={`fz-${key}-error`}>
        {problems[key]}
      </span>
    );
  return (
    <dialog ref={ref} class="dialog dialog-form" aria-labelledby="finalize-title" onClose={props.onClose}>
      <h2 id="finalize-title">Finalize “{props.experiment.name}”</h2>
      <form class="form" onSubmit={submit} aria-labelledby="finalize-title" noValidate>
        <div class="field-row">
          <div class={problems.topK === undefined ? 'field' : 'field field-invalid'}>
            <label for="fz-topK">Finalists</label>
            <input {...described('topK', true)} inputMode="numeric" value={form.topK} onInput={(e) => setForm({ ...form, topK: e.currentTarget.value })} />
            <span class="hint" id="fz-topK-hint">
              the best distinct architectures, 1–50
            </span>
            {problem('topK')}
          </div>
          <div class={problems.seeds === undefined ? 'field' : 'field field-invalid'}>
            <label for="fz-seeds">Seeds each</label>
            <input {...described('seeds', true)} inputMode="numeric" value={form.seeds} onInput={(e) => setForm({ ...form, seeds: e.currentTarget.value })} />
            <span class="hint" id="fz-seeds-hint">
              {table ? 'a table has one value per architecture: 1' : 'trainings per finalist, 1–10'}
            </span>
            {problem('seeds')}
          </div>
        </div>
        <div class={problems.budget === undefined && budgetProblem === null ? 'field' : 'field field-invalid'}>
          <label for="fz-budget">Final budget (JSON, optional)</label>
          <textarea
            {...described('budget', true)}
            class="mono"
            rows={3}
            spellcheck={false}
            placeholder={table ? '{}' : '{ "epochs": 20, "trainSubset": null }'}
            value={form.budget}
            onInput={(e) => setForm({ ...form, budget: e.currentTarget.value })}
          />
          <span class="hint" id="fz-budget-hint">
            {table ? 'nothing to train for a table: leave it empty' : 'evaluator options over the dataset’s final defaults; null switches an optional one off'}
            {budgetProblem === null || problems.budget !== undefined ? '' : ` — ${budgetProblem}`}
          </span>
          {problem('budget')}
        </div>
        <div class={problems.inheritWeights === undefined ? 'field' : 'field field-invalid'}>
          <label class="check">
            <input type="checkbox" {...described('inheritWeights', true)} disabled={!trains} checked={form.inheritWeights} onChange={(e) => setForm({ ...form, inheritWeights: e.currentTarget.checked })} /> Also start from the
            proxy’s weights
          </label>
          <span class="hint" id="fz-inheritWeights-hint">
            {trains ? 'doubles the trainings and reports what inheriting changed' : `the ${props.experiment.evaluator.type} evaluator trains no weights to inherit`}
          </span>
          {problem('inheritWeights')}
        </div>
        <ErrorNote error={error} context="not finalized" />
        {problems.other === undefined ? null : <p class="field-error">{problems.other}</p>}
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Finalize
          </button>
        </div>
      </form>
    </dialog>
  );
}

function FinalistsTable({ finalization, metric }: { finalization: Finalization; metric: string }): JSX.Element {
  const winnerId = finalization.winner?.proxyTrial.id ?? null;
  const decided = finalization.status === 'SUCCEEDED';
  if (finalization.finalists.length === 0) return <p class="muted">No finalist: the search had no succeeded trial.</p>;
  return (
    <div class="scroll-x">
      <table class="data finalists" data-testid="finalists-table">
        <caption class="sr-only">
          The finalists by proxy rank: the search's {metric} against the final validation and test, over each finalist's seeds
        </caption>
        <thead>
          <tr>
            <th scope="col">rank</th>
            <th scope="col">
              <span class="sr-only">winner</span>
            </th>
            <th scope="col">architecture</th>
            <th scope="col" class="num">
              proxy reward
            </th>
            <th scope="col" class="num">
              final validation
            </th>
            <th scope="col" class="num">
              test
            </th>
            <th scope="col">trainings</th>
          </tr>
        </thead>
        <tbody>
          {finalization.finalists.map((f) => (
            <FinalistRow key={f.proxyTrial.id} finalist={f} winner={f.proxyTrial.id === winnerId} decided={decided} />
          ))}
        </tbody>
      </table>
      <p class="hint">
        Validation and test: mean ± standard deviation over the finished seeds
        {finalization.inheritWeights ? ' of the trainings that started from the proxy’s weights (the cold starts are compared with them under “Did the proxy predict it?”)' : ''}. The winner is chosen by
        validation; the test split, which no search trial saw, is reported only.
      </p>
    </div>
  );
}

function FinalistRow({ finalist: f, winner, decided }: { finalist: Finalist; winner: boolean; decided: boolean }): JSX.Element {
  const c = replicateCounts(f);
  const parts = [`${c.done} done`, c.running > 0 ? `${c.running} running` : null, c.pending > 0 ? `${c.pending} waiting` : null, c.failed > 0 ? `${c.failed} failed` : null, c.cancelled > 0 ? `${c.cancelled} cancelled` : null].filter(
    (x): x is string => x !== null,
  );
  return (
    <tr class={winner ? 'winner' : undefined} data-testid="finalist" data-rank={f.proxyRank} data-winner={winner ? (decided ? 'winner' : 'leading') : undefined}>
      <td class="num">{f.proxyRank}</td>
      {/* Next to the rank, where a narrow window still shows it. */}
      <td>{winner ? <strong class={decided ? 'winner-mark' : 'leading-mark'}>{decided ? '★ winner' : '☆ leading'}</strong> : null}</td>
      <td class="mono label" title={f.proxyTrial.label}>
        <Link href={`/trials/${f.proxyTrial.id}`}>#{f.proxyTrial.sequence}</Link>{' '}
        {f.proxyTrial.label}
      </td>
      <td class="num">{formatReward(f.proxyReward)}</td>
      <td class="num stat" data-testid="validation">
        {formatStat(f.validation)}
        {f.validation === null ? null : <span class="muted small"> n={f.validation.n}</span>}
      </td>
      <td class="num stat" data-testid="test">
        {formatStat(f.test)}
        {f.test === null ? null : <span class="muted small"> n={f.test.n}</span>}
      </td>
      <td class="trainings" data-testid="trainings">
        <span class="trainings-line">
          {parts.join(' · ')} <span class="muted">of {c.total}</span>
        </span>
        <div class="small">
          {f.replicates.map((r) => (
            <Link key={r.id} href={`/trials/${r.id}`} class={`chip chip-${r.status.toLowerCase()}`} title={r.error ?? `trial #${r.sequence}${r.reward === null ? '' : `: ${formatReward(r.reward)}`}`}>
              seed {r.final?.replicate ?? '?'}
              {r.final?.inheritsWeights === true ? ', inherited' : ''} <span aria-hidden="true">{STATUS_MARK[r.status] ?? ''}</span>
              <span class="sr-only">{r.status.toLowerCase()}</span>
            </Link>
          ))}
        </div>
      </td>
    </tr>
  );
}

function ProxyCheck({ finalization }: { finalization: Finalization }): JSX.Element {
  const withResults = finalization.finalists.filter((f) => f.validation !== null).length;
  const rho = (value: number | null): string => (value === null ? '—' : value.toFixed(2));
  const inh = finalization.inheritance;
  return (
    <div data-testid="proxy-check">
      <p class="hint">Spearman’s ρ of the proxy reward against the final result over the finalists: how well the proxy predicted the final ranking — trust it next time?</p>
      <dl class="rho">
        <div>
          <dt>ρ against final validation</dt>
          <dd>
            <strong data-testid="spearman">{rho(finalization.spearman)}</strong> <span class="muted">{spearmanVerdict(finalization.spearman, withResults)}</span>
          </dd>
        </div>
        <div>
          <dt>ρ against test</dt>
          <dd>
            <strong data-testid="spearman-test">{rho(finalization.spearmanTest)}</strong>
            {finalization.spearmanTest === null ? <span class="muted"> no test results yet</span> : null}
          </dd>
        </div>
      </dl>
      {inh === null ? null : (
        <>
          <h3 class="subhead">Inheriting the proxy’s weights</h3>
          <p class="hint">Inherited minus cold start, paired by seed: above zero, starting from the search’s weights helped.</p>
          <dl class="rho" data-testid="inheritance">
            <div>
              <dt>validation</dt>
              <dd>{formatGain(inh.validationGain)}</dd>
            </div>
            <div>
              <dt>test</dt>
              <dd>{formatGain(inh.testGain)}</dd>
            </div>
          </dl>
        </>
      )}
    </div>
  );
}

/** Fetches a file with the key and saves it: a plain link cannot send the Authorization header. */
function DownloadButton({ url, name, bytes }: { url: string; name: string; bytes: number | null }): JSX.Element {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const save = (): void => {
    setBusy(true);
    setError(null);
    api
      .fetchFile(url)
      .then((blob) => {
        const href = URL.createObjectURL(blob);
        const a = document.createElement('a');
        a.href = href;
        a.download = name;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(href), 10_000);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])))
      .finally(() => setBusy(false));
  };
  return (
    <li>
      <button type="button" class="link" disabled={busy} onClick={save} aria-label={`Download ${name}`}>
        {name}
      </button>{' '}
      <span class="muted small">{bytes === null ? 'written on request' : formatBytes(bytes)}</span>
      <ErrorNote error={error} context={name} />
    </li>
  );
}

/** A model's files to download (with the card), and what it takes and gives. */
export function ModelFiles({ model }: { model: TrialModel }): JSX.Element {
  const files: ModelFile[] = [...model.files];
  const cardName = decodeURIComponent(model.cardUrl.slice(model.cardUrl.lastIndexOf('/') + 1));
  const hasCard = files.some((f) => f.name === cardName);
  return (
    <div data-testid="model-files">
      <ul class="downloads">
        {hasCard ? null : <DownloadButton url={model.cardUrl} name={cardName} bytes={null} />}
        {files.map((f) => (
          <DownloadButton key={f.name} url={f.url} name={f.name} bytes={f.bytes} />
        ))}
      </ul>
      <dl class="facts">
        <div>
          <dt>input</dt>
          <dd>{model.inputShape.join(' × ')}</dd>
        </div>
        <div>
          <dt>classes</dt>
          <dd title={model.classNames?.join(', ')}>{model.numClasses}</dd>
        </div>
        <div>
          <dt>dataset</dt>
          <dd>{model.dataset}</dd>
        </div>
        <div>
          <dt>params</dt>
          <dd>{formatCount(model.params)}</dd>
        </div>
        <div>
          <dt>FLOPs</dt>
          <dd>{formatCount(model.flops)}</dd>
        </div>
        {model.latencyBatch1Ms === null ? null : (
          <div>
            <dt>latency</dt>
            <dd>{model.latencyBatch1Ms.toFixed(2)} ms</dd>
          </div>
        )}
      </dl>
      <p class="hint">
        Preprocessing: {model.preprocessing}. In TensorFlow.js: <code>tf.loadLayersModel(url, {'{'} requestInit: {'{'} headers {'}'} {'}'})</code> with the same key.
      </p>
    </div>
  );
}

function WinnerModel({ finalization, evaluator }: { finalization: Finalization; evaluator: string }): JSX.Element {
  const best = finalization.winner?.bestReplicate ?? null;
  if (finalization.winner === null) return <p class="muted">No winner yet: it is the finalist with the best mean validation once one has finished.</p>;
  if (best?.model == null) {
    return (
      <p class="muted" data-testid="no-model">
        {evaluator === 'tabular'
          ? 'No model to download: the tabular evaluator looks results up in a table and trains nothing.'
          : finalization.status === 'RUNNING'
            ? 'The winner’s model can be downloaded once its training has finished.'
            : 'The winning training kept no model.'}
      </p>
    );
  }
  return (
    <div>
      <p>
        The best seed of the winner, <Link href={`/trials/${best.id}`}>trial #{best.sequence}</Link>
        {finalization.status === 'SUCCEEDED' ? '' : ' (leading so far)'}:
      </p>
      <ModelFiles model={best.model} />
    </div>
  );
}

function FinalCurves({ live, finalization }: { live: FinalistsLive; finalization: Finalization }): JSX.Element {
  const points = useStore(live.curves);
  const curves = useMemo(
    (): FinalistCurve[] =>
      finalization.finalists.flatMap((f) =>
        f.replicates.map((r) => ({
          id: r.id,
          rank: f.proxyRank,
          label: `#${f.proxyRank} seed ${r.final?.replicate ?? '?'}${r.final?.inheritsWeights === true ? ' inherited' : ''}`,
          running: r.status === 'RUNNING',
          inherited: r.final?.inheritsWeights === true,
          points: points.get(r.id) ?? new Map<number, number>(),
        })),
      ),
    [finalization, points],
  );
  if (!curves.some((c) => c.points.size > 0)) {
    return (
      <p class="muted">
        {finalization.status === 'RUNNING' ? `No ${FINAL_CURVE_METRIC} reported yet: the curves grow here epoch by epoch.` : `No learning curves: this evaluator reports no ${FINAL_CURVE_METRIC} per epoch (a table reports final values only).`}
      </p>
    );
  }
  return <FinalistCurvesChart curves={curves} metric={FINAL_CURVE_METRIC} />;
}
