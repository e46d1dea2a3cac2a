import type { JSX } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import {
  CREATE_SPACE,
  DELETE_SPACE,
  PAGE,
  SEARCH_SPACE,
  SEARCH_SPACES,
  VALIDATE_SPACE,
  type CreateSpaceData,
  type SearchSpaceData,
  type SearchSpacesData,
  type SpaceFormat,
  type SpaceSummary,
  type ValidateSpaceData,
} from '../api/documents.js';
import { ConfirmDialog, ErrorNote } from '../components/common.js';
import { SPACE_EXAMPLES } from '../examples.js';
import { useQuery, useSession } from '../hooks.js';
import { formatCardinality, formatTime } from '../model/format.js';
import { lineColumn, locate, spanOf } from '../model/json-locate.js';
import { Link } from '../router.js';

const VALIDATE_MS = 250;

type Check =
  | { readonly state: 'empty' }
  | { readonly state: 'checking' }
  | { readonly state: 'syntax'; readonly message: string; readonly offset: number }
  | { readonly state: 'done'; readonly result: ValidateSpaceData['validateSearchSpace'] }
  | { readonly state: 'failed'; readonly error: ApiError };

export function SpacesPage(): JSX.Element {
  const { api, canOperate } = useSession();
  const list = useQuery((a) => a.query<SearchSpacesData>(SEARCH_SPACES, { first: PAGE, after: null }), []);
  const [text, setText] = useState('');
  const [format, setFormat] = useState<SpaceFormat>('GRAPHNAS');
  const [name, setName] = useState('');
  const [project, setProject] = useState('');
  const [check, setCheck] = useState<Check>({ state: 'empty' });
  const [created, setCreated] = useState<SpaceSummary | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<SpaceSummary | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  const located = useMemo(() => locate(text), [text]);

  useEffect(() => {
    if (text.trim() === '') {
      setCheck({ state: 'empty' });
      return;
    }
    if (located.syntaxError !== null) {
      setCheck({ state: 'syntax', ...located.syntaxError });
      return;
    }
    setCheck({ state: 'checking' });
    let current = true;
    const timer = setTimeout(() => {
      api
        .query<ValidateSpaceData>(VALIDATE_SPACE, { format, definition: JSON.parse(text) as unknown })
        .then((d) => current && setCheck({ state: 'done', result: d.validateSearchSpace }))
        .catch((e: unknown) => current && setCheck({ state: 'failed', error: e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', []) }));
    }, VALIDATE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, text, format, located]);

  const select = (start: number, end: number): void => {
    const area = editor.current;
    if (area === null) return;
    area.focus();
    area.setSelectionRange(start, end);
  };
  const loadExample = (file: string): void => {
    const example = SPACE_EXAMPLES.find((e) => e.file === file);
    if (example === undefined) return;
    setText(JSON.stringify(example.definition, null, 2));
    setFormat(example.format);
    setName(example.name);
    setCreated(null);
  };
  const loadSpace = (id: string): void => {
    api
      .query<SearchSpaceData>(SEARCH_SPACE, { id })
      .then((d) => {
        if (d.searchSpace === null) return;
        setText(JSON.stringify(d.searchSpace.definition, null, 2));
        setFormat('GRAPHNAS');
        setName(`${d.searchSpace.name} (copy)`);
        setCreated(null);
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])));
  };
  const create = (event: Event): void => {
    event.preventDefault();
    if (located.syntaxError !== null) return;
    setBusy(true);
    setError(null);
    api
      .mutate<CreateSpaceData>(CREATE_SPACE, { input: { name, format, definition: JSON.parse(text) as unknown, project: project.trim() === '' ? undefined : project.trim() } })
      .then((d) => {
        setCreated(d.createSearchSpace);
        list.reload();
      })
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])))
      .finally(() => setBusy(false));
  };
  const remove = (space: SpaceSummary): void => {
    api
      .mutate(DELETE_SPACE, { id: space.id })
      .then(() => list.reload())
      .catch((e: unknown) => setError(e instanceof ApiError ? e : new ApiError(String(e), 'ERROR', [])));
  };

  const spaces = list.data?.searchSpaces.edges.map((e) => e.node) ?? [];
  const valid = check.state === 'done' && check.result.valid;
  return (
    <main id="main" tabIndex={-1}>
      <h1>Search spaces</h1>
      <div class="split">
        <section aria-labelledby="spaces-list-title" class="panel">
          <h2 id="spaces-list-title">Stored</h2>
          <ErrorNote error={list.error} />
          {spaces.length === 0 ? <p class="muted">{list.loading ? 'Loading…' : 'None yet: load an example on the right and create it.'}</p> : null}
          <ul class="space-list" data-testid="space-list">
            {spaces.map((s) => (
              <li key={s.id}>
                <div>
                  <strong>{s.name}</strong> <span class="muted small">{s.project}</span>
                </div>
                <div class="small">
                  {s.kind.toLowerCase()} · {s.decisionCount} decisions · {formatCardinality(s.cardinality)} architectures · {formatTime(s.createdAt)}
                </div>
                <div class="actions small">
                  <button type="button" class="link" onClick={() => loadSpace(s.id)} aria-label={`Open ${s.name} in the editor`}>
                    Open in editor
                  </button>
                  {canOperate ? (
                    <>
                      <Link href={`/experiments/new?space=${s.id}`} aria-label={`New experiment on ${s.name}`}>
                        New experiment
                      </Link>
                      <button type="button" class="link danger" onClick={() => setDeleting(s)} aria-label={`Delete ${s.name}`}>
                        Delete
                      </button>
                    </>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="editor-title" class="panel">
          <h2 id="editor-title">Editor</h2>
          <form class="form" onSubmit={create} aria-label="Search space editor">
            <div class="field-row">
              <div class="field">
                <label for="space-example">Load an example</label>
                <select id="space-example" value="" onChange={(e) => loadExample(e.currentTarget.value)}>
                  <option value="">—</option>
                  {SPACE_EXAMPLES.map((e) => (
                    <option key={e.file} value={e.file}>
                      {e.name} ({e.file})
                    </option>
                  ))}
                </select>
              </div>
              <div class="field">
                <label for="space-format">Format</label>
                <select id="space-format" value={format} onChange={(e) => setFormat(e.currentTarget.value as SpaceFormat)}>
                  <option value="GRAPHNAS">graphnas</option>
                  <option value="NNI">NNI search space (import)</option>
                </select>
              </div>
            </div>
            <div class="field">
              <label for="space-definition">Definition (JSON)</label>
              <textarea
                id="space-definition"
                ref={editor}
                class="mono editor"
                rows={22}
                spellcheck={false}
                value={text}
                aria-describedby="space-check"
                onInput={(e) => {
                  setText(e.currentTarget.value);
                  setCreated(null);
                }}
                placeholder='{ "cell": { "nodes": 4, "ops": ["none", "skip_connect", "nor_conv_3x3"] } }'
              />
            </div>
            <div id="space-check" class="check-result" role="status" data-testid="space-check">
              <CheckResult check={check} text={text} select={select} spanAt={(path) => spanOf(located, path)} />
            </div>
            {canOperate ? (
              <div class="field-row">
                <div class="field">
                  <label for="space-name">Name</label>
                  <input id="space-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
                </div>
                <div class="field">
                  <label for="space-project">Project</label>
                  <input id="space-project" value={project} placeholder="default" onInput={(e) => setProject(e.currentTarget.value)} />
                </div>
              </div>
            ) : null}
            <ErrorNote error={error} />
            {created === null ? null : (
              <p class="note-box" role="status">
                Created “{created.name}” ({created.decisionCount} decisions). <Link href={`/experiments/new?space=${created.id}`}>Create an experiment on it</Link>.
              </p>
            )}
            {canOperate ? (
              <div class="actions">
                <button type="submit" class="primary" disabled={busy || !valid || name.trim() === ''}>
                  Create search space
                </button>
              </div>
            ) : (
              <p class="muted">Your key may only look: the editor validates, an operator creates.</p>
            )}
          </form>
        </section>
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ''}”?`}
        confirm="Delete it"
        danger
        onConfirm={() => deleting !== null && remove(deleting)}
        onClose={() => setDeleting(null)}
      >
        A space an experiment uses cannot be deleted; delete those experiments first.
      </ConfirmDialog>
    </main>
  );
}

function CheckResult(props: { check: Check; text: string; select: (start: number, end: number) => void; spanAt: (path: string) => { start: number; end: number } | null }): JSX.Element {
  const { check } = props;
  if (check.state === 'empty') return <p class="muted">Type or load a definition; it is checked as you type.</p>;
  if (check.state === 'checking') return <p class="muted">Checking…</p>;
  if (check.state === 'failed') return <ErrorNote error={check.error} context="could not check" />;
  if (check.state === 'syntax') {
    const { line, column } = lineColumn(props.text, check.offset);
    return (
      <p class="invalid">
        Not JSON:{' '}
        <button type="button" class="link" onClick={() => props.select(check.offset, check.offset + 1)}>
          line {line}, column {column}
        </button>
        : {check.message}
      </p>
    );
  }
  const r = check.result;
  if (r.valid) {
    return (
      <p class="valid">
        Valid: a {r.kind?.toLowerCase()} space with <strong data-testid="decision-count">{r.decisionCount}</strong> decisions and <strong data-testid="cardinality">{formatCardinality(r.cardinality ?? '0')}</strong> architectures.
      </p>
    );
  }
  return (
    <div class="invalid">
      <p>
        {r.errors.length} {r.errors.length === 1 ? 'problem' : 'problems'}:
      </p>
      <ul class="field-errors">
        {r.errors.map((e, i) => {
          const span = props.spanAt(e.path);
          return (
            <li key={i}>
              {span === null ? (
                <code>{e.path || '/'}</code>
              ) : (
                <button type="button" class="link mono" onClick={() => props.select(span.start, span.end)}>
                  {e.path || '/'}
                </button>
              )}{' '}
              {e.message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
