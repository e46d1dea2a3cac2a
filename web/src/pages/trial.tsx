import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { METRIC_REPORTED, TRIAL, TRIAL_UPDATED, type JsonValue, type MetricPoint, type MetricReportedData, type TrialData, type TrialDetail, type TrialUpdatedData } from '../api/documents.js';
import { ArchitectureView } from '../components/architecture.js';
import { CurvesChart } from '../components/charts.js';
import { ErrorNote, Panel, StatusBadge } from '../components/common.js';
import { ModelFiles } from '../components/finalists.js';
import { useQuery, useSession } from '../hooks.js';
import type { CurveTrial } from '../model/experiment-live.js';
import { formatChoice, formatCount, formatDuration, formatReward, formatTime } from '../model/format.js';
import { Link } from '../router.js';

function entries(value: JsonValue | undefined): [string, JsonValue][] {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.entries(value) : [];
}

/** One trial: its architecture drawn, the decisions behind it, hyperparameters, metrics and what went wrong. */
export function TrialPage({ id }: { id: string }): JSX.Element {
  const { api } = useSession();
  const loaded = useQuery((a) => a.query<TrialData>(TRIAL, { id }), [id]);
  const [trial, setTrial] = useState<TrialDetail | null>(null);
  const [points, setPoints] = useState<readonly MetricPoint[]>([]);
  useEffect(() => {
    if (loaded.data?.trial) {
      setTrial(loaded.data.trial);
      setPoints(loaded.data.trial.metrics);
    }
  }, [loaded.data]);
  const experimentId = trial?.experimentId ?? null;
  const finished = trial !== null && trial.status !== 'PENDING' && trial.status !== 'RUNNING';
  const reload = loaded.reload;
  useEffect(() => {
    if (experimentId === null || finished) return;
    const offTrial = api.subscribe<TrialUpdatedData>(TRIAL_UPDATED, { experimentId }, (d) => {
      if (d.trialUpdated.id !== id) return;
      setTrial((current) => (current === null ? current : { ...current, ...d.trialUpdated }));
      // The final metrics come with the full record, not the live one.
      if (d.trialUpdated.status !== 'PENDING' && d.trialUpdated.status !== 'RUNNING') reload();
    });
    const offMetric = api.subscribe<MetricReportedData>(METRIC_REPORTED, { experimentId, trialId: id }, (d) => setPoints((current) => [...current, d.trialMetricReported]));
    return () => {
      offTrial();
      offMetric();
    };
  }, [api, experimentId, finished, id, reload]);
  const curve = useMemo((): CurveTrial[] => {
    if (trial === null || points.length === 0) return [];
    const byName = new Map<string, Map<number, number>>();
    for (const p of points) {
      if (!byName.has(p.name)) byName.set(p.name, new Map());
      byName.get(p.name)!.set(p.step, p.value);
    }
    return [{ id: trial.id, sequence: trial.sequence, status: trial.status, points: byName }];
  }, [trial, points]);

  if (trial === null) {
    return (
      <main id="main" tabIndex={-1}>
        <h1>Trial</h1>
        {loaded.error !== null ? <ErrorNote error={loaded.error} /> : loaded.data !== null && loaded.data.trial === null ? <p>No such trial.</p> : <p class="muted">Loading…</p>}
      </main>
    );
  }
  const decisions = trial.experiment.searchSpace.decisions;
  const architecture = trial.architecture;
  const hyper = entries(typeof architecture === 'object' && architecture !== null && !Array.isArray(architecture) ? architecture.hyperparameters : undefined).flatMap(([k, v]) =>
    k === 'custom' ? entries(v) : [[k, v] as [string, JsonValue]],
  );
  const duration = trial.startedAt !== null && trial.finishedAt !== null ? (Date.parse(trial.finishedAt) - Date.parse(trial.startedAt)) / 1000 : null;
  return (
    <main id="main" tabIndex={-1} data-trial={trial.id}>
      <nav aria-label="Breadcrumb" class="crumbs">
        <Link href="/">Experiments</Link> / <Link href={`/experiments/${trial.experimentId}`}>{trial.experiment.name}</Link> /
      </nav>
      <div class="page-head">
        <h1>
          {trial.final === null ? 'Trial' : 'Finalist trial'} #{trial.sequence} <StatusBadge status={trial.status} />
        </h1>
      </div>
      <p class="mono label-line">{trial.label}</p>
      {trial.final === null ? null : (
        <p class="note-box" data-testid="final-note">
          A finalist’s training (round {trial.final.round}): the architecture of <Link href={`/trials/${trial.finalistOfId ?? ''}`}>its search trial</Link> retrained at the final budget
          {entries(trial.final.budget).length === 0 ? '' : ` (${entries(trial.final.budget).map(([k, v]) => `${k}=${formatChoice(v)}`).join(', ')})`} with seed {trial.final.replicate} ({trial.final.seed})
          {trial.final.inheritsWeights ? ', starting from the search trial’s weights' : ''}. <Link href={`/experiments/${trial.experimentId}?view=finalists`}>All the finalists</Link>.
        </p>
      )}
      {trial.duplicateOfId === null ? null : (
        <p class="note-box">
          An answered duplicate: the same architecture as <Link href={`/trials/${trial.duplicateOfId}`}>an earlier trial</Link>, whose outcome it took without a new evaluation.
        </p>
      )}
      <dl class="facts">
        <div>
          <dt>reward</dt>
          <dd data-testid="trial-reward">{formatReward(trial.reward)}</dd>
        </div>
        <div>
          <dt>params</dt>
          <dd>{formatCount(trial.params)}</dd>
        </div>
        <div>
          <dt>FLOPs</dt>
          <dd>{formatCount(trial.flops)}</dd>
        </div>
        <div>
          <dt>latency</dt>
          <dd>{trial.latencyMs === null ? '—' : `${trial.latencyMs.toFixed(2)} ms`}</dd>
        </div>
        <div>
          <dt>policy version</dt>
          <dd>{trial.policyVersion}</dd>
        </div>
        <div>
          <dt>log π</dt>
          <dd>{trial.logProb.toFixed(3)}</dd>
        </div>
        <div>
          <dt>attempt</dt>
          <dd>{trial.attempt}</dd>
        </div>
        <div>
          <dt>worker</dt>
          <dd>{trial.workerId ?? '—'}</dd>
        </div>
        <div>
          <dt>started</dt>
          <dd>{formatTime(trial.startedAt)}</dd>
        </div>
        <div>
          <dt>took</dt>
          <dd>{formatDuration(duration)}</dd>
        </div>
      </dl>
      {trial.error === null ? null : (
        <Panel title={trial.status === 'PRUNED' ? 'Why it was pruned' : 'Failure'} id="failure" wide>
          <pre class="code error-log" data-testid="trial-error">
            {trial.error}
          </pre>
        </Panel>
      )}
      <div class="grid">
        <Panel title="Architecture" id="architecture" wide>
          <ArchitectureView architecture={architecture} />
        </Panel>
        <Panel title="Decisions" id="trial-decisions">
          <table class="data compact">
            <thead>
              <tr>
                <th scope="col">decision</th>
                <th scope="col">choice</th>
              </tr>
            </thead>
            <tbody>
              {decisions.map((d) => {
                const action = trial.actions[d.index] ?? -1;
                return (
                  <tr key={d.id} class={action < 0 ? 'inactive' : undefined}>
                    <th scope="row" class="mono">
                      {d.id}
                    </th>
                    <td>{action < 0 ? <span class="muted">does not apply</span> : formatChoice(d.choices[action])}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Panel>
        <Panel title="Hyperparameters and final metrics" id="metrics">
          <table class="data compact">
            <tbody>
              {hyper.map(([k, v]) => (
                <tr key={`h-${k}`}>
                  <th scope="row">{k}</th>
                  <td>{formatChoice(v)}</td>
                </tr>
              ))}
              {entries(trial.finalMetrics).map(([k, v]) => (
                <tr key={`m-${k}`}>
                  <th scope="row">{k}</th>
                  <td class="num">{typeof v === 'number' ? (Math.abs(v) >= 1000 ? formatCount(v) : formatReward(v)) : formatChoice(v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {hyper.length === 0 && entries(trial.finalMetrics).length === 0 ? <p class="muted">No hyperparameters searched and no final metrics yet.</p> : null}
        </Panel>
        <Panel title="Learning curve" id="trial-curve">
          <CurvesChart curves={curve} />
        </Panel>
        {trial.model === null ? null : (
          <Panel title="Trained model" id="trial-model">
            <ModelFiles model={trial.model} />
          </Panel>
        )}
      </div>
    </main>
  );
}
