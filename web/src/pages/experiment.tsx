import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { FAILURES, FAILURES_PAGE, type ExperimentDetail, type FailureRow, type FailuresData } from '../api/documents.js';
import { CurvesChart, ParetoChart, PolicyChart, RewardChart } from '../components/charts.js';
import { ErrorNote, Panel, ProgressBar, StatusBadge } from '../components/common.js';
import { MarginalEffects, ParallelCoordinates } from '../components/decisions.js';
import { ExperimentActions } from '../components/experiment-actions.js';
import { FinalistsView } from '../components/finalists.js';
import { TrialsTable } from '../components/trials-table.js';
import { useSession, useStore, useThrottled } from '../hooks.js';
import { ExperimentLive } from '../model/experiment-live.js';
import { FinalistsLive } from '../model/finalists-live.js';
import { formatDuration, formatReward, formatTime } from '../model/format.js';
import { Link, navigate, useLocation } from '../router.js';
import { TrialCountsLine } from './experiments.js';

/** Charts redraw at most this often while a search streams events. */
const CHART_MS = 300;

type View = 'search' | 'finalists';
const VIEWS: readonly { id: View; label: string }[] = [
  { id: 'search', label: 'Search' },
  { id: 'finalists', label: 'Finalists' },
];

export function ExperimentPage({ id }: { id: string }): JSX.Element {
  const { api } = useSession();
  const live = useMemo(() => new ExperimentLive(api, id), [api, id]);
  const finalists = useMemo(() => new FinalistsLive(api, id), [api, id]);
  useEffect(() => {
    live.start();
    finalists.start();
    return () => {
      live.dispose();
      finalists.dispose();
    };
  }, [live, finalists]);
  const { query } = useLocation();
  const [view, setView] = useState<View>(query.get('view') === 'finalists' ? 'finalists' : 'search');
  const finalization = useStore(finalists.finalization);
  const experiment = useStore(live.experiment);
  const error = useStore(live.error);
  const loading = useStore(live.loading);
  // Re-renders on the live state's changes, at most every CHART_MS; `view` is the state as of now.
  useThrottled(live.version, CHART_MS);
  const { trials, policy, curves } = live.view();

  if (experiment === null) {
    return (
      <main id="main" tabIndex={-1}>
        <h1>Experiment</h1>
        {error === null ? <p class="muted">Loading…</p> : <ErrorNote error={error} />}
      </main>
    );
  }
  const direction = experiment.objective.direction;
  const hasPolicy = policy.some((p) => p.meanReward !== null || p.entropy !== null);
  return (
    <main id="main" tabIndex={-1} data-experiment={experiment.id}>
      <ExperimentHeader experiment={experiment} />
      <ErrorNote error={error} />
      <Tabs
        view={view}
        onChange={(next) => {
          setView(next);
          // A reload or a shared link lands on the same view.
          history.replaceState(null, '', next === 'search' ? `/experiments/${experiment.id}` : `/experiments/${experiment.id}?view=${next}`);
        }}
        finalizationStatus={finalization?.status ?? null}
      />
      <div role="tabpanel" id="panel-finalists" aria-labelledby="tab-finalists" hidden={view !== 'finalists'}>
        <FinalistsView live={finalists} experiment={experiment} />
      </div>
      <div role="tabpanel" id="panel-search" aria-labelledby="tab-search" hidden={view !== 'search'}>
        {loading === null ? null : (
          <p class="muted" role="status">
            Loading trials: {loading.loaded} of {loading.total}…
          </p>
        )}
        <div class="grid">
          <Panel title="Reward by trial" id="rewards" wide>
            <RewardChart trials={trials} direction={direction} />
          </Panel>
          <Panel title="Trials" id="trials" wide>
            <TrialsTable live={live} />
          </Panel>
          <Panel title="Learning curves" id="curves">
            <CurvesChart curves={curves} />
          </Panel>
          <Panel title="Controller" id="controller">
            {hasPolicy ? (
              <PolicyChart policy={policy} />
            ) : (
              <p class="muted">
                {experiment.strategy.type === 'reinforce' ? 'No policy update yet: the controller updates after each batch of rewards.' : `The ${experiment.strategy.type} strategy keeps no policy statistics.`}
              </p>
            )}
          </Panel>
          <Panel title="Decisions against reward" id="decisions" wide>
            <ParallelCoordinates decisions={experiment.searchSpace.decisions} trials={trials} direction={direction} />
          </Panel>
          <Panel title="Which choices pay" id="effects">
            <MarginalEffects decisions={experiment.searchSpace.decisions} trials={trials} direction={direction} />
          </Panel>
          <Panel title="Reward against cost" id="cost">
            <ParetoChart trials={trials} direction={direction} constraints={experiment.constraints} />
          </Panel>
          <Panel title="Failed and pruned trials" id="failures" wide>
            <Failures live={live} />
          </Panel>
        </div>
      </div>
    </main>
  );
}

/** The search and its finalists, as tabs (arrow keys move between them, as the ARIA tabs pattern has it). */
function Tabs({ view, onChange, finalizationStatus }: { view: View; onChange: (view: View) => void; finalizationStatus: string | null }): JSX.Element {
  const refs = useRef<Partial<Record<View, HTMLButtonElement | null>>>({});
  const onKey = (event: KeyboardEvent): void => {
    const at = VIEWS.findIndex((v) => v.id === view);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const to = event.key === 'Home' ? 0 : event.key === 'End' ? VIEWS.length - 1 : step === 0 ? -1 : (at + step + VIEWS.length) % VIEWS.length;
    if (to < 0) return;
    event.preventDefault();
    const next = VIEWS[to]!.id;
    onChange(next);
    refs.current[next]?.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label="Views of the experiment" onKeyDown={onKey}>
      {VIEWS.map((v) => (
        <button
          key={v.id}
          ref={(el) => {
            refs.current[v.id] = el;
          }}
          type="button"
          role="tab"
          id={`tab-${v.id}`}
          aria-selected={view === v.id}
          aria-controls={`panel-${v.id}`}
          tabIndex={view === v.id ? 0 : -1}
          class="tab"
          onClick={() => onChange(v.id)}
        >
          {v.label}
          {v.id === 'finalists' && finalizationStatus !== null ? (
            <>
              {' '}
              <StatusBadge status={finalizationStatus} />
            </>
          ) : null}
        </button>
      ))}
    </div>
  );
}

function ExperimentHeader({ experiment }: { experiment: ExperimentDetail }): JSX.Element {
  const best = experiment.bestTrial;
  const c = experiment.constraints;
  const constraints = [c.maxParams === null ? null : `params ≤ ${c.maxParams}`, c.maxFlops === null ? null : `FLOPs ≤ ${c.maxFlops}`, c.maxLatencyMs === null ? null : `latency ≤ ${c.maxLatencyMs} ms`].filter(
    (x): x is string => x !== null,
  );
  return (
    <header class="experiment-head">
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href="/">Experiments</Link> /
      </nav>
      <div class="page-head">
        <h1>
          {experiment.name} <StatusBadge status={experiment.status} />
        </h1>
        <ExperimentActions id={experiment.id} name={experiment.name} status={experiment.status} onDeleted={() => navigate('/', true)} />
      </div>
      {experiment.description === null ? null : <p>{experiment.description}</p>}
      <dl class="facts">
        <div>
          <dt>strategy</dt>
          <dd>{experiment.strategy.type}</dd>
        </div>
        <div>
          <dt>evaluator</dt>
          <dd>{experiment.evaluator.type}</dd>
        </div>
        <div>
          <dt>search space</dt>
          <dd>
            {experiment.searchSpace.name} ({experiment.searchSpace.kind.toLowerCase()}, {experiment.searchSpace.decisions.length} decisions)
          </dd>
        </div>
        <div>
          <dt>objective</dt>
          <dd>
            {experiment.objective.direction.toLowerCase()} {experiment.objective.metric}
            {experiment.objective.goal === null ? '' : ` to ${experiment.objective.goal}`}
          </dd>
        </div>
        <div>
          <dt>budget</dt>
          <dd>
            {experiment.budget.maxTrials} trials, {experiment.budget.parallelTrials} at a time
          </dd>
        </div>
        {constraints.length === 0 ? null : (
          <div>
            <dt>constraints</dt>
            <dd>{constraints.join(', ')}</dd>
          </div>
        )}
        <div>
          <dt>seed</dt>
          <dd>{experiment.seed}</dd>
        </div>
        <div>
          <dt>started</dt>
          <dd>{formatTime(experiment.startedAt)}</dd>
        </div>
        <div>
          <dt>elapsed</dt>
          <dd>{formatDuration(experiment.progress.elapsedSeconds)}</dd>
        </div>
        {experiment.endReason === null ? null : (
          <div>
            <dt>ended</dt>
            <dd>{experiment.endReason.toLowerCase().replace(/_/g, ' ')}</dd>
          </div>
        )}
      </dl>
      <div class="head-row">
        <ProgressBar progress={experiment.progress} running={experiment.status === 'RUNNING'} />
        <TrialCountsLine counts={experiment.trialCounts} />
      </div>
      <p class="best" data-testid="best-trial">
        Best:{' '}
        {best === null ? (
          <span class="muted">no finished trial yet</span>
        ) : (
          <>
            <strong>{formatReward(best.reward)}</strong> — <Link href={`/trials/${best.id}`}>trial #{best.sequence}</Link> <code class="mono">{best.label}</code>
          </>
        )}
      </p>
    </header>
  );
}

/** Failed and pruned trials grouped by their reason, the commonest first, read again as such trials arrive. */
function Failures({ live }: { live: ExperimentLive }): JSX.Element {
  const { api } = useSession();
  const [rows, setRows] = useState<{ total: number; rows: readonly FailureRow[] } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = (): void => {
      timer = null;
      api
        .query<FailuresData>(FAILURES, { id: live.id, first: FAILURES_PAGE })
        .then((d) => {
          setRows({ total: d.experiment?.trials.totalCount ?? 0, rows: (d.experiment?.trials.edges ?? []).map((e) => e.node) });
          setError(null);
        })
        .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])));
    };
    read();
    const offTrial = live.onTrialEvent((t) => {
      if ((t.status === 'FAILED' || t.status === 'PRUNED') && timer === null) timer = setTimeout(read, 1000);
    });
    const offReconnect = api.onReconnect(read);
    return () => {
      offTrial();
      offReconnect();
      if (timer !== null) clearTimeout(timer);
    };
  }, [api, live]);
  // Reasons that differ only in their numbers ("0.61 is below the median 0.64") are one reason.
  const groups = useMemo(() => {
    const byReason = new Map<string, FailureRow[]>();
    for (const row of rows?.rows ?? []) {
      const reason = (row.error ?? (row.status === 'PRUNED' ? 'pruned (no reason recorded)' : 'failed (no reason recorded)')).replace(/(?<![\w.])-?\d+(\.\d+)?(e[+-]?\d+)?(?![\w.])/gi, '…');
      byReason.set(reason, [...(byReason.get(reason) ?? []), row]);
    }
    return [...byReason.entries()].sort((a, b) => b[1].length - a[1].length);
  }, [rows]);
  if (rows === null) return error === null ? <p class="muted">Loading…</p> : <ErrorNote error={error} />;
  if (rows.total === 0) return <p class="muted">None: every finished trial succeeded.</p>;
  return (
    <div data-testid="failures">
      <p>
        {rows.total} trials failed or were pruned{rows.total > rows.rows.length ? ` (the newest ${rows.rows.length} grouped here)` : ''}.
      </p>
      <ul class="failure-groups">
        {groups.map(([reason, list]) => (
          <li key={reason}>
            <strong>{list.length}×</strong> <span class="error-text">{reason}</span>
            <div class="small">
              {list.slice(0, 12).map((t) => (
                <Link key={t.id} href={`/trials/${t.id}`} class="chip" title={t.error ?? undefined}>
                  #{t.sequence} {t.status.toLowerCase()}
                </Link>
              ))}
              {list.length > 12 ? <span class="muted"> and {list.length - 12} more</span> : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
