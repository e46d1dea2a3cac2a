import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EXPERIMENTS, EXPERIMENTS_PAGE, EXPERIMENT_UPDATED, type ExperimentListItem, type ExperimentUpdatedData, type ExperimentsData } from '../api/documents.js';
import { ErrorNote, ProgressBar, StatusBadge } from '../components/common.js';
import { ExperimentActions } from '../components/experiment-actions.js';
import { useQuery, useSession } from '../hooks.js';
import { formatReward } from '../model/format.js';
import { Link } from '../router.js';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/**
 * Every experiment the key can see, newest first, each row following its own
 * experimentUpdated while it can still change. The API has no project-wide feed, so an
 * experiment created elsewhere shows up when the list is read again (on reconnect, on
 * returning to the tab, or with the button).
 */
export function ExperimentsPage(): JSX.Element {
  const { canOperate } = useSession();
  const [pages, setPages] = useState(1);
  // Page after page through the cursors: one operation stays within the API's cost limit however long the list.
  const list = useQuery(
    async (api) => {
      const items: ExperimentListItem[] = [];
      let after: string | null = null;
      let last: ExperimentsData['experiments'] | null = null;
      for (let page = 0; page < pages && (last === null || last.pageInfo.hasNextPage); page += 1) {
        last = (await api.query<ExperimentsData>(EXPERIMENTS, { first: EXPERIMENTS_PAGE, after })).experiments;
        items.push(...last.edges.map((e) => e.node));
        after = last.pageInfo.endCursor;
      }
      return { items, totalCount: last?.totalCount ?? 0, hasNextPage: last?.pageInfo.hasNextPage ?? false };
    },
    [pages],
  );
  const reload = list.reload;
  useEffect(() => {
    const onVisible = (): void => {
      if (document.visibilityState === 'visible') reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [reload]);
  const experiments = list.data;
  return (
    <main id="main" tabIndex={-1}>
      <div class="page-head">
        <h1>Experiments</h1>
        <div class="actions">
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
          {canOperate ? (
            <Link class="button primary" href="/experiments/new">
              New experiment
            </Link>
          ) : null}
        </div>
      </div>
      <ErrorNote error={list.error} context="experiments" />
      {experiments === null ? (
        <p class="muted">{list.loading ? 'Loading…' : ''}</p>
      ) : experiments.items.length === 0 ? (
        <div class="empty">
          <p>No experiments yet.</p>
          {canOperate ? (
            <p>
              Start with a <Link href="/spaces">search space</Link> (the NAS-Bench-201 example is ready to load), then <Link href="/experiments/new">create an experiment</Link> on it.
            </p>
          ) : (
            <p>Your key may only look; an operator creates experiments.</p>
          )}
        </div>
      ) : (
        <div class="scroll-x">
          <table class="data experiments" data-testid="experiments-table">
            <thead>
              <tr>
                <th scope="col">name</th>
                <th scope="col">status</th>
                <th scope="col">strategy</th>
                <th scope="col">evaluator</th>
                <th scope="col">progress</th>
                <th scope="col" class="num">best reward</th>
                <th scope="col">trials</th>
                {canOperate ? <th scope="col">actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {experiments.items.map((node) => (
                <ExperimentRow key={node.id} initial={node} onChanged={list.reload} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {experiments?.hasNextPage ? (
        <button type="button" onClick={() => setPages((p) => p + 1)}>
          Show {EXPERIMENTS_PAGE} more of {experiments.totalCount}
        </button>
      ) : null}
    </main>
  );
}

function ExperimentRow({ initial, onChanged }: { initial: ExperimentListItem; onChanged: () => void }): JSX.Element {
  const { api, canOperate } = useSession();
  const [experiment, setExperiment] = useState(initial);
  useEffect(() => setExperiment(initial), [initial]);
  const live = !FINAL.has(experiment.status);
  useEffect(() => {
    if (!live) return;
    return api.subscribe<ExperimentUpdatedData>(EXPERIMENT_UPDATED, { id: initial.id }, (d) =>
      setExperiment((current) => (Date.parse(d.experimentUpdated.updatedAt) >= Date.parse(current.updatedAt) ? { ...current, ...d.experimentUpdated } : current)),
    );
  }, [api, initial.id, live]);
  return (
    <tr data-experiment={experiment.id} data-status={experiment.status}>
      <th scope="row">
        <Link href={`/experiments/${experiment.id}`}>{experiment.name}</Link>
        <div class="muted small">
          {experiment.searchSpace.name} · {experiment.project}
        </div>
      </th>
      <td>
        <StatusBadge status={experiment.status} />
        {experiment.endReason !== null && experiment.endReason !== 'CANCELLED' ? <div class="muted small">{experiment.endReason.toLowerCase().replace(/_/g, ' ')}</div> : null}
      </td>
      <td>{experiment.strategy.type}</td>
      <td>{experiment.evaluator.type}</td>
      <td class="progress-cell">
        <ProgressBar progress={experiment.progress} running={experiment.status === 'RUNNING'} />
      </td>
      <td class="num">
        {experiment.bestTrial === null ? (
          '—'
        ) : (
          <Link href={`/trials/${experiment.bestTrial.id}`} title={experiment.bestTrial.label}>
            {formatReward(experiment.bestTrial.reward)}
          </Link>
        )}
      </td>
      <td class="counts">
        <TrialCountsLine counts={experiment.trialCounts} />
      </td>
      {canOperate ? (
        <td>
          <ExperimentActions id={experiment.id} name={experiment.name} status={experiment.status} onChanged={() => undefined} onDeleted={onChanged} />
        </td>
      ) : null}
    </tr>
  );
}

/** Counts in words, the ones that are zero left out (but running and done, which a live search always has). */
export function TrialCountsLine({ counts }: { counts: ExperimentListItem['trialCounts'] }): JSX.Element {
  const parts: [number, string][] = [
    [counts.succeeded, 'done'],
    [counts.running, 'running'],
    [counts.pending, 'pending'],
    [counts.failed, 'failed'],
    [counts.pruned, 'pruned'],
    [counts.cancelled, 'cancelled'],
    [counts.duplicates, 'duplicates'],
  ];
  return (
    <span class="counts-line" data-testid="trial-counts">
      {parts
        .filter(([n, what]) => n > 0 || what === 'done' || what === 'running')
        .map(([n, what]) => (
          <span key={what} class={`count count-${what}`}>
            <strong>{n}</strong> {what}
          </span>
        ))}
    </span>
  );
}
