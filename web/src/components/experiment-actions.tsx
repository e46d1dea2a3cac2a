import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import { CANCEL_EXPERIMENT, DELETE_EXPERIMENT, PAUSE_EXPERIMENT, RESUME_EXPERIMENT, START_EXPERIMENT, type ExperimentStatus } from '../api/documents.js';
import { useSession } from '../hooks.js';
import { ConfirmDialog, ErrorNote } from './common.js';

type Ask = 'cancel' | 'delete' | null;

/**
 * The lifecycle buttons an experiment's status allows; nothing at all for a key that may
 * only look (the API refuses a viewer's mutations anyway). Cancelling and deleting ask first.
 */
export function ExperimentActions(props: { id: string; name: string; status: ExperimentStatus; onChanged?: () => void; onDeleted?: () => void }): JSX.Element | null {
  const { api, canOperate } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [ask, setAsk] = useState<Ask>(null);
  if (!canOperate) return null;

  const run = (document: string, done?: () => void): void => {
    setBusy(true);
    setError(null);
    api
      .mutate(document, { id: props.id })
      .then(() => (done ?? props.onChanged)?.())
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])))
      .finally(() => setBusy(false));
  };
  const s = props.status;
  const label = (verb: string): string => `${verb} ${props.name}`;
  return (
    <div class="actions" role="group" aria-label={`Actions for ${props.name}`}>
      {s === 'CREATED' ? (
        <button type="button" class="primary" disabled={busy} aria-label={label('Start')} onClick={() => run(START_EXPERIMENT)}>
          Start
        </button>
      ) : null}
      {s === 'RUNNING' ? (
        <button type="button" disabled={busy} aria-label={label('Pause')} onClick={() => run(PAUSE_EXPERIMENT)}>
          Pause
        </button>
      ) : null}
      {s === 'PAUSED' ? (
        <button type="button" class="primary" disabled={busy} aria-label={label('Resume')} onClick={() => run(RESUME_EXPERIMENT)}>
          Resume
        </button>
      ) : null}
      {s === 'RUNNING' || s === 'PAUSED' ? (
        <button type="button" disabled={busy} aria-label={label('Cancel')} onClick={() => setAsk('cancel')}>
          Cancel
        </button>
      ) : null}
      {s !== 'RUNNING' && s !== 'PAUSED' ? (
        <button type="button" class="danger" disabled={busy} aria-label={label('Delete')} onClick={() => setAsk('delete')}>
          Delete
        </button>
      ) : null}
      <ErrorNote error={error} />
      <ConfirmDialog
        open={ask === 'cancel'}
        title={`Cancel “${props.name}”?`}
        confirm="Cancel the experiment"
        danger
        onConfirm={() => run(CANCEL_EXPERIMENT)}
        onClose={() => setAsk(null)}
      >
        Pending and running trials are cancelled and in-process evaluations stopped. Finished trials stay. A cancelled experiment cannot be resumed.
      </ConfirmDialog>
      <ConfirmDialog
        open={ask === 'delete'}
        title={`Delete “${props.name}”?`}
        confirm="Delete it"
        danger
        onConfirm={() => run(DELETE_EXPERIMENT, props.onDeleted)}
        onClose={() => setAsk(null)}
      >
        The experiment is deleted with all its trials, metrics and controller checkpoints. This cannot be undone.
      </ConfirmDialog>
    </div>
  );
}
