import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { TABLE_PAGE, TRIAL_PAGE, TRIAL_STATUSES, type DuplicateFilter, type TrialOrder, type TrialPageData, type TrialRow, type TrialStatus } from '../api/documents.js';
import { useSession } from '../hooks.js';
import type { ExperimentLive } from '../model/experiment-live.js';
import { formatCount, formatReward } from '../model/format.js';
import { Link } from '../router.js';
import { ErrorNote, StatusBadge } from './common.js';

/** At most one re-read of the page per this many ms while events stream in. */
const REFRESH_MS = 750;

const ORDERS: readonly { value: TrialOrder; label: string }[] = [
  { value: 'SEQUENCE_DESC', label: 'newest first' },
  { value: 'SEQUENCE_ASC', label: 'oldest first' },
  { value: 'REWARD_DESC', label: 'highest reward' },
  { value: 'REWARD_ASC', label: 'lowest reward' },
];

interface PageState {
  readonly rows: readonly TrialRow[];
  readonly totalCount: number;
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

/**
 * The trials of an experiment, a page of the API's connection at a time (its keyset
 * cursors neither skip nor repeat rows while trials arrive), sorted and filtered by the
 * server. Live: an event for a row on the page updates it at once; on the first page of
 * "newest first" a new trial is put on top at once; anything else that may move rows in
 * or out re-reads the page, at most every REFRESH_MS.
 */
export function TrialsTable({ live }: { live: ExperimentLive }): JSX.Element {
  const { api } = useSession();
  const [orderBy, setOrderBy] = useState<TrialOrder>('SEQUENCE_DESC');
  const [statuses, setStatuses] = useState<readonly TrialStatus[]>([]);
  const [duplicates, setDuplicates] = useState<DuplicateFilter>('INCLUDE');
  // Cursors of the pages before the current one: keyset paging goes forward, so going back pops.
  const [cursors, setCursors] = useState<readonly (string | null)[]>([null]);
  const [page, setPage] = useState<PageState | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const after = cursors[cursors.length - 1] ?? null;
  const request = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const fetchPage = (): void => {
    const id = ++request.current;
    api
      .query<TrialPageData>(TRIAL_PAGE, { id: live.id, first: TABLE_PAGE, after, orderBy, status: statuses.length === 0 ? null : statuses, duplicates })
      .then((data) => {
        if (id !== request.current || data.experiment === null) return;
        const t = data.experiment.trials;
        setPage({ rows: t.edges.map((e) => e.node), totalCount: t.totalCount, hasNextPage: t.pageInfo.hasNextPage, endCursor: t.pageInfo.endCursor });
        setError(null);
      })
      .catch((e: unknown) => id === request.current && setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])));
  };
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  useEffect(() => {
    fetchRef.current();
    return api.onReconnect(() => fetchRef.current());
  }, [api, live, after, orderBy, statuses, duplicates]);

  const matches = (trial: TrialRow): boolean =>
    (statuses.length === 0 || statuses.includes(trial.status)) &&
    (duplicates === 'INCLUDE' || (duplicates === 'ONLY') === (trial.duplicateOfId !== null));

  useEffect(() => {
    const scheduleRefresh = (): void => {
      refreshTimer.current ??= setTimeout(() => {
        refreshTimer.current = null;
        fetchRef.current();
      }, REFRESH_MS);
    };
    const off = live.onTrialEvent((trial) => {
      setPage((current) => {
        if (current === null) return current;
        const at = current.rows.findIndex((r) => r.id === trial.id);
        if (at >= 0) {
          if (Date.parse(current.rows[at]!.updatedAt) > Date.parse(trial.updatedAt)) return current;
          if (!matches(trial) || orderBy === 'REWARD_DESC' || orderBy === 'REWARD_ASC') scheduleRefresh();
          const rows = [...current.rows];
          rows[at] = trial;
          return { ...current, rows };
        }
        if (!matches(trial)) return current;
        const top = current.rows[0];
        if (after === null && orderBy === 'SEQUENCE_DESC' && (top === undefined || trial.sequence > top.sequence)) {
          const rows = [trial, ...current.rows].slice(0, TABLE_PAGE);
          return { ...current, rows, totalCount: current.totalCount + 1, hasNextPage: current.hasNextPage || current.rows.length >= TABLE_PAGE };
        }
        scheduleRefresh();
        return current;
      });
    });
    return () => {
      off();
      if (refreshTimer.current !== null) clearTimeout(refreshTimer.current);
      refreshTimer.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `matches` reads the same filters listed here
  }, [live, after, orderBy, statuses, duplicates]);

  const resetTo = (apply: () => void): void => {
    apply();
    setCursors([null]);
  };
  const toggleStatus = (status: TrialStatus): void =>
    resetTo(() => setStatuses((current) => (current.includes(status) ? current.filter((s) => s !== status) : [...current, status])));
  const pageNumber = cursors.length;
  const pages = page === null ? 1 : Math.max(1, Math.ceil(page.totalCount / TABLE_PAGE));
  const sequenceOf = (id: string): number | undefined => live.trials.get(id)?.sequence;

  return (
    <div>
      <div class="table-controls">
        <label class="inline-field">
          Sort{' '}
          <select value={orderBy} onChange={(e) => resetTo(() => setOrderBy(e.currentTarget.value as TrialOrder))}>
            {ORDERS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label class="inline-field">
          Duplicates{' '}
          <select value={duplicates} onChange={(e) => resetTo(() => setDuplicates(e.currentTarget.value as DuplicateFilter))}>
            <option value="INCLUDE">included</option>
            <option value="EXCLUDE">left out</option>
            <option value="ONLY">only</option>
          </select>
        </label>
        <fieldset class="status-filter">
          <legend>Status</legend>
          {TRIAL_STATUSES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={statuses.includes(s)} onChange={() => toggleStatus(s)} /> {s.toLowerCase()}
            </label>
          ))}
        </fieldset>
      </div>
      <ErrorNote error={error} context="trials" />
      <div class="scroll-x">
        <table class="data trials" aria-describedby="trials-count" data-testid="trials-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">status</th>
              <th scope="col">architecture</th>
              <th scope="col" class="num">reward</th>
              <th scope="col" class="num">params</th>
              <th scope="col" class="num">FLOPs</th>
              <th scope="col" class="num">latency</th>
              <th scope="col" class="num">policy</th>
              <th scope="col">note</th>
            </tr>
          </thead>
          <tbody>
            {page?.rows.map((t) => (
              <tr key={t.id} data-sequence={t.sequence} data-status={t.status}>
                <td>
                  <Link href={`/trials/${t.id}`} aria-label={`trial ${t.sequence}`}>
                    {t.sequence}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={t.status} />
                </td>
                <td class="mono label" title={t.label}>
                  {t.label}
                </td>
                <td class="num">{formatReward(t.reward)}</td>
                <td class="num">{formatCount(t.params)}</td>
                <td class="num">{formatCount(t.flops)}</td>
                <td class="num">{t.latencyMs === null ? '—' : `${t.latencyMs.toFixed(1)} ms`}</td>
                <td class="num">{t.policyVersion}</td>
                <td class="note">
                  {t.duplicateOfId !== null ? (
                    <Link href={`/trials/${t.duplicateOfId}`} class="dup">
                      duplicate of #{sequenceOf(t.duplicateOfId) ?? '…'}
                    </Link>
                  ) : t.error !== null ? (
                    <span class="error-text" title={t.error}>
                      {t.error}
                    </span>
                  ) : t.attempt > 1 ? (
                    `attempt ${t.attempt}`
                  ) : (
                    ''
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav class="pager" aria-label="Trial pages">
        <button type="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          ← Previous
        </button>
        <span id="trials-count">
          {page === null ? 'loading…' : `page ${pageNumber} of ${pages} · ${page.totalCount} trials`}
        </span>
        <button type="button" disabled={page === null || !page.hasNextPage} onClick={() => page?.endCursor && setCursors((c) => [...c, page.endCursor])}>
          Next →
        </button>
      </nav>
    </div>
  );
}
