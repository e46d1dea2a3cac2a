import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { CREATE_EXPERIMENT, PAGE, SEARCH_SPACES, START_EXPERIMENT, type CreateExperimentData, type JsonValue, type SearchSpacesData } from '../api/documents.js';
import { ErrorNote } from '../components/common.js';
import { useQuery, useSession } from '../hooks.js';
import { EXPERIMENT_EXAMPLES } from '../examples.js';
import { formatCardinality } from '../model/format.js';
import { Link, navigate, useLocation } from '../router.js';

/** The registered types (src/strategies/registry.ts, src/evaluation/registry.ts); the API lists none. */
const STRATEGIES = ['reinforce', 'evolution', 'random', 'tpe', 'mcts'];
const EVALUATORS: Record<string, string> = {
  tabular: '{\n  "rewardColumn": "cifar10-val"\n}',
  'tfjs-trainer': '{\n  "dataset": { "source": "fashion-mnist" },\n  "epochs": 2\n}',
  external: '{}',
};

interface Form {
  name: string;
  searchSpaceId: string;
  strategy: string;
  hyperparameters: string;
  evaluator: string;
  options: string;
  metric: string;
  direction: 'MAXIMIZE' | 'MINIMIZE';
  goal: string;
  maxTrials: string;
  parallelTrials: string;
  maxFailedTrials: string;
  maxParams: string;
  maxFlops: string;
  maxLatencyMs: string;
  earlyStopping: '' | 'median' | 'asha';
  earlyMetric: string;
  seed: string;
}

const initial = (space: string): Form => ({
  name: '',
  searchSpaceId: space,
  strategy: 'reinforce',
  hyperparameters: '{}',
  evaluator: 'tabular',
  options: EVALUATORS.tabular!,
  metric: 'reward',
  direction: 'MAXIMIZE',
  goal: '',
  maxTrials: '100',
  parallelTrials: '4',
  maxFailedTrials: '',
  maxParams: '',
  maxFlops: '',
  maxLatencyMs: '',
  earlyStopping: '',
  earlyMetric: 'val_accuracy',
  seed: '',
});

class FormProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function json(text: string, field: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new FormProblem(field, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function number(text: string, field: string, integer: boolean): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new FormProblem(field, integer ? 'must be a whole number' : 'must be a number');
  return value;
}

/** CreateExperimentInput from the form; empty fields are left to the server's defaults. */
function toInput(form: Form): Record<string, unknown> {
  const budget = { maxTrials: number(form.maxTrials, 'budget.maxTrials', true), parallelTrials: number(form.parallelTrials, 'budget.parallelTrials', true), maxFailedTrials: number(form.maxFailedTrials, 'budget.maxFailedTrials', true) };
  const constraints = { maxParams: number(form.maxParams, 'constraints.maxParams', false), maxFlops: number(form.maxFlops, 'constraints.maxFlops', false), maxLatencyMs: number(form.maxLatencyMs, 'constraints.maxLatencyMs', false) };
  return {
    name: form.name,
    searchSpaceId: form.searchSpaceId,
    strategy: { type: form.strategy, hyperparameters: json(form.hyperparameters, 'strategy.hyperparameters') },
    evaluator: { type: form.evaluator, options: json(form.options, 'evaluator.options') },
    objective: { metric: form.metric, direction: form.direction, goal: number(form.goal, 'objective.goal', false) },
    budget,
    constraints,
    earlyStopping: form.earlyStopping === '' ? undefined : { type: form.earlyStopping, metric: form.earlyMetric },
    seed: number(form.seed, 'seed', true),
  };
}

/** `input.budget.maxTrials` → `budget.maxTrials`: the field the form shows it under. */
function fieldOf(path: string): string {
  return path.replace(/^input\./, '').replace(/\/.*$/, '');
}

export function NewExperimentPage(): JSX.Element {
  const { api, canOperate } = useSession();
  const { query } = useLocation();
  const spaces = useQuery((a) => a.query<SearchSpacesData>(SEARCH_SPACES, { first: PAGE, after: null }), []);
  const [form, setForm] = useState<Form>(() => initial(query.get('space') ?? ''));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const list = spaces.data?.searchSpaces.edges.map((e) => e.node) ?? [];
  const firstSpace = list[0]?.id;
  useEffect(() => {
    if (form.searchSpaceId === '' && firstSpace !== undefined) setForm((f) => ({ ...f, searchSpaceId: firstSpace }));
  }, [firstSpace, form.searchSpaceId]);

  if (!canOperate) {
    return (
      <main id="main" tabIndex={-1}>
        <h1>New experiment</h1>
        <p>Your key may only look: creating experiments needs an operator or admin key.</p>
      </main>
    );
  }

  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const loadExample = (name: string): void => {
    const example = EXPERIMENT_EXAMPLES.find((e) => e.file === name);
    if (example === undefined) return;
    const x = example.experiment;
    setForm((f) => ({
      ...f,
      name: f.name === '' ? x.name : f.name,
      strategy: x.strategy?.type ?? f.strategy,
      hyperparameters: JSON.stringify(x.strategy?.hyperparameters ?? {}, null, 2),
      evaluator: x.evaluator.type,
      options: JSON.stringify(x.evaluator.options ?? {}, null, 2),
      metric: x.objective?.metric ?? 'reward',
      direction: x.objective?.direction ?? 'MAXIMIZE',
      maxTrials: String(x.budget?.maxTrials ?? ''),
      parallelTrials: String(x.budget?.parallelTrials ?? ''),
      earlyStopping: x.earlyStopping === undefined ? '' : (x.earlyStopping.type ?? 'median'),
      earlyMetric: x.earlyStopping?.metric ?? f.earlyMetric,
      seed: x.seed === undefined ? '' : String(x.seed),
      searchSpaceId: list.find((s) => s.name === example.spaceName)?.id ?? f.searchSpaceId,
    }));
  };

  const submit = (start: boolean) => (event: Event): void => {
    event.preventDefault();
    setProblems({});
    setError(null);
    let input: Record<string, unknown>;
    try {
      input = toInput(form);
    } catch (problem) {
      if (problem instanceof FormProblem) setProblems({ [problem.field]: problem.message });
      return;
    }
    setBusy(true);
    api
      .mutate<CreateExperimentData>(CREATE_EXPERIMENT, { input })
      .then(async (d) => {
        const id = d.createExperiment.id;
        if (start) await api.mutate(START_EXPERIMENT, { id });
        navigate(`/experiments/${id}`);
      })
      .catch((e: unknown) => {
        const apiError = e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', []);
        setProblems(Object.fromEntries(apiError.fields.map((f) => [fieldOf(f.path), `${f.message}${f.path.includes('/') ? ` (at ${f.path})` : ''}`])));
        setError(apiError);
      })
      .finally(() => setBusy(false));
  };

  const field = (key: string, label: string, control: JSX.Element, hint?: string): JSX.Element => (
    <div class={problems[key] === undefined ? 'field' : 'field field-invalid'}>
      <label for={`f-${key}`}>{label}</label>
      {control}
      {hint === undefined ? null : <span class="hint">{hint}</span>}
      {problems[key] === undefined ? null : (
        <span class="field-error" id={`f-${key}-error`}>
          {problems[key]}
        </span>
      )}
    </div>
  );
  const described = (key: string): { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string } =>
    problems[key] === undefined ? { id: `f-${key}`, 'aria-invalid': false } : { id: `f-${key}`, 'aria-invalid': true, 'aria-describedby': `f-${key}-error` };
  const unplaced = error === null ? [] : error.fields.filter((f) => !(document.getElementById(`f-${fieldOf(f.path)}`) instanceof HTMLElement));

  return (
    <main id="main" tabIndex={-1}>
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href="/">Experiments</Link> /
      </nav>
      <h1>New experiment</h1>
      {list.length === 0 && !spaces.loading ? (
        <p class="note-box">
          There is no search space yet: <Link href="/spaces">create one</Link> first (the examples are ready to load).
        </p>
      ) : null}
      <form class="form" onSubmit={submit(false)} aria-label="New experiment">
        <div class="field">
          <label for="f-example">Start from an example</label>
          <select id="f-example" onChange={(e) => loadExample(e.currentTarget.value)} value="">
            <option value="">—</option>
            {EXPERIMENT_EXAMPLES.map((e) => (
              <option key={e.file} value={e.file}>
                {e.experiment.name}
              </option>
            ))}
          </select>
        </div>
        {field('name', 'Name', <input {...described('name')} required value={form.name} onInput={(e) => set('name')(e.currentTarget.value)} />)}
        {field(
          'searchSpaceId',
          'Search space',
          <select {...described('searchSpaceId')} required value={form.searchSpaceId} onChange={(e) => set('searchSpaceId')(e.currentTarget.value)}>
            {list.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.kind.toLowerCase()}, {s.decisionCount} decisions, {formatCardinality(s.cardinality)} architectures)
              </option>
            ))}
          </select>,
        )}
        <fieldset>
          <legend>Strategy</legend>
          {field(
            'strategy.type',
            'Type',
            <select {...described('strategy.type')} value={form.strategy} onChange={(e) => set('strategy')(e.currentTarget.value)}>
              {STRATEGIES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>,
          )}
          {field('strategy.hyperparameters', 'Hyperparameters (JSON)', <textarea {...described('strategy.hyperparameters')} class="mono" rows={3} spellcheck={false} value={form.hyperparameters} onInput={(e) => set('hyperparameters')(e.currentTarget.value)} />, 'Empty: the strategy’s defaults (README, Strategies).')}
        </fieldset>
        <fieldset>
          <legend>Evaluator</legend>
          {field(
            'evaluator.type',
            'Type',
            <select
              {...described('evaluator.type')}
              value={form.evaluator}
              onChange={(e) => {
                const type = e.currentTarget.value;
                setForm((f) => ({ ...f, evaluator: type, options: EVALUATORS[type] ?? '{}' }));
              }}
            >
              {Object.keys(EVALUATORS).map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>,
          )}
          {field('evaluator.options', 'Options (JSON)', <textarea {...described('evaluator.options')} class="mono" rows={4} spellcheck={false} value={form.options} onInput={(e) => set('options')(e.currentTarget.value)} />)}
        </fieldset>
        <fieldset>
          <legend>Objective and budget</legend>
          <div class="field-row">
            {field('objective.metric', 'Metric', <input {...described('objective.metric')} value={form.metric} onInput={(e) => set('metric')(e.currentTarget.value)} />)}
            {field(
              'objective.direction',
              'Direction',
              <select {...described('objective.direction')} value={form.direction} onChange={(e) => set('direction')(e.currentTarget.value as Form['direction'])}>
                <option value="MAXIMIZE">maximize</option>
                <option value="MINIMIZE">minimize</option>
              </select>,
            )}
            {field('objective.goal', 'Goal', <input {...described('objective.goal')} inputMode="decimal" value={form.goal} onInput={(e) => set('goal')(e.currentTarget.value)} />, 'Stop when reached')}
          </div>
          <div class="field-row">
            {field('budget.maxTrials', 'Max trials', <input {...described('budget.maxTrials')} inputMode="numeric" value={form.maxTrials} onInput={(e) => set('maxTrials')(e.currentTarget.value)} />)}
            {field('budget.parallelTrials', 'In parallel', <input {...described('budget.parallelTrials')} inputMode="numeric" value={form.parallelTrials} onInput={(e) => set('parallelTrials')(e.currentTarget.value)} />)}
            {field('budget.maxFailedTrials', 'Max failed', <input {...described('budget.maxFailedTrials')} inputMode="numeric" value={form.maxFailedTrials} onInput={(e) => set('maxFailedTrials')(e.currentTarget.value)} />, 'Default: max trials')}
            {field('seed', 'Seed', <input {...described('seed')} inputMode="numeric" value={form.seed} onInput={(e) => set('seed')(e.currentTarget.value)} />, 'Empty: random, then recorded')}
          </div>
        </fieldset>
        <fieldset>
          <legend>Constraints and early stopping</legend>
          <div class="field-row">
            {field('constraints.maxParams', 'Max params', <input {...described('constraints.maxParams')} inputMode="decimal" value={form.maxParams} onInput={(e) => set('maxParams')(e.currentTarget.value)} />)}
            {field('constraints.maxFlops', 'Max FLOPs', <input {...described('constraints.maxFlops')} inputMode="decimal" value={form.maxFlops} onInput={(e) => set('maxFlops')(e.currentTarget.value)} />)}
            {field('constraints.maxLatencyMs', 'Max latency (ms)', <input {...described('constraints.maxLatencyMs')} inputMode="decimal" value={form.maxLatencyMs} onInput={(e) => set('maxLatencyMs')(e.currentTarget.value)} />)}
          </div>
          <div class="field-row">
            {field(
              'earlyStopping.type',
              'Early stopping',
              <select {...described('earlyStopping.type')} value={form.earlyStopping} onChange={(e) => set('earlyStopping')(e.currentTarget.value as Form['earlyStopping'])}>
                <option value="">none</option>
                <option value="median">median rule</option>
                <option value="asha">ASHA</option>
              </select>,
            )}
            {form.earlyStopping === '' ? null : field('earlyStopping.metric', 'On metric', <input {...described('earlyStopping.metric')} value={form.earlyMetric} onInput={(e) => set('earlyMetric')(e.currentTarget.value)} />)}
          </div>
        </fieldset>
        <ErrorNote error={error} context="not created" />
        {unplaced.length === 0 ? null : (
          <ul class="field-errors">
            {unplaced.map((f) => (
              <li key={f.path}>
                <code>{f.path}</code>: {f.message}
              </li>
            ))}
          </ul>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Create
          </button>
          <button type="button" class="primary" disabled={busy} onClick={submit(true)}>
            Create and start
          </button>
        </div>
      </form>
    </main>
  );
}
