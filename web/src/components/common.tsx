import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { ApiError } from '../api/client.js';
import type { Progress } from '../api/documents.js';
import { formatDuration } from '../model/format.js';

export function StatusBadge({ status }: { status: string }): JSX.Element {
  return <span class={`badge badge-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}

export function ProgressBar({ progress, running }: { progress: Progress; running: boolean }): JSX.Element {
  const percent = Math.round(Math.min(1, progress.fraction) * 100);
  const eta = running && progress.etaSeconds !== null ? ` · ETA ${formatDuration(progress.etaSeconds)}` : '';
  const label = `${progress.finishedEvaluations} of ${progress.maxTrials} evaluations${eta}`;
  return (
    <div class="progress">
      <div class="progress-track" role="progressbar" aria-valuemin={0} aria-valuemax={progress.maxTrials} aria-valuenow={progress.finishedEvaluations} aria-label={label}>
        <div class="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span class="progress-text">{label}</span>
    </div>
  );
}

export function ErrorNote({ error, context }: { error: ApiError | null; context?: string }): JSX.Element | null {
  if (error === null) return null;
  return (
    <p class="error-note" role="alert">
      {context === undefined ? '' : `${context}: `}
      {error.message}
      {error.code === 'NETWORK' ? ' — retrying when the connection is back' : ''}
    </p>
  );
}

/**
 * A modal question with the native <dialog>: it traps focus, closes on Escape and
 * returns focus to the button that opened it, which hand-made overlays get wrong.
 */
export function ConfirmDialog(props: { open: boolean; title: string; children: ComponentChildren; confirm: string; danger?: boolean; onConfirm: () => void; onClose: () => void }): JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (props.open && !dialog.open) dialog.showModal();
    else if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onClose={props.onClose}>
      <h2 id="dialog-title">{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Keep it
        </button>
        <button
          type="button"
          class={props.danger === true ? 'danger' : 'primary'}
          onClick={() => {
            props.onConfirm();
            props.onClose();
          }}
        >
          {props.confirm}
        </button>
      </div>
    </dialog>
  );
}

export function Panel(props: { title: string; id?: string; children: ComponentChildren; wide?: boolean; actions?: ComponentChildren }): JSX.Element {
  const headingId = `${props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-title`;
  return (
    <section class={props.wide === true ? 'panel panel-wide' : 'panel'} aria-labelledby={headingId} id={props.id}>
      <div class="panel-head">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}
