import type { JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api, ApiError, type LinkState } from './api/client.js';
import { VIEWER, type Viewer, type ViewerData } from './api/documents.js';
import { SessionContext, useStore, type Session } from './hooks.js';
import { ExperimentPage } from './pages/experiment.js';
import { NewExperimentPage } from './pages/experiment-new.js';
import { ExperimentsPage } from './pages/experiments.js';
import { SpacesPage } from './pages/spaces.js';
import { TrialPage } from './pages/trial.js';
import { Link, match, useLocation } from './router.js';

/** The key lives for the tab only: closing it logs out, and no other site or tab can read it. */
const KEY_STORAGE = 'graphnas.apiKey';

type Boot = { readonly state: 'checking' } | { readonly state: 'in'; readonly api: Api; readonly viewer: Viewer } | { readonly state: 'out'; readonly reason: string | null };

async function signIn(key: string | null): Promise<{ api: Api; viewer: Viewer }> {
  const api = new Api(key);
  try {
    const { viewer } = await api.query<ViewerData>(VIEWER);
    api.connect();
    return { api, viewer };
  } catch (error) {
    api.dispose();
    throw error;
  }
}

export function App(): JSX.Element {
  const [boot, setBoot] = useState<Boot>({ state: 'checking' });
  const start = (key: string | null, onFail?: (reason: string) => void): void => {
    signIn(key).then(
      ({ api, viewer }) => {
        if (key === null) sessionStorage.removeItem(KEY_STORAGE);
        else sessionStorage.setItem(KEY_STORAGE, key);
        setBoot({ state: 'in', api, viewer });
      },
      (error: unknown) => {
        const reason =
          error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN')
            ? key === null
              ? null
              : 'That key was refused: it is wrong, revoked or expired.'
            : `The server did not answer: ${error instanceof Error ? error.message : String(error)}`;
        if (key !== null && onFail === undefined) sessionStorage.removeItem(KEY_STORAGE);
        if (onFail !== undefined) onFail(reason ?? 'That key was refused.');
        else setBoot({ state: 'out', reason });
      },
    );
  };
  useEffect(() => start(sessionStorage.getItem(KEY_STORAGE)), []);

  if (boot.state === 'checking') return <p class="boot muted">Connecting to graphnas…</p>;
  if (boot.state === 'out') return <LoginPage reason={boot.reason} onKey={(key, fail) => start(key, fail)} />;
  const logout = (): void => {
    boot.api.dispose();
    sessionStorage.removeItem(KEY_STORAGE);
    setBoot({ state: 'out', reason: null });
  };
  return <Shell api={boot.api} viewer={boot.viewer} logout={logout} />;
}

function Shell({ api, viewer, logout }: { api: Api; viewer: Viewer; logout: () => void }): JSX.Element {
  const session = useMemo<Session>(() => ({ api, viewer, canOperate: viewer.role === 'OPERATOR' || viewer.role === 'ADMIN', logout }), [api, viewer, logout]);
  const link = useStore(api.link);
  useEffect(() => () => api.dispose(), [api]);
  return (
    <SessionContext.Provider value={session}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          graphnas
        </Link>
        <nav aria-label="Main">
          <NavLink href="/">Experiments</NavLink>
          <NavLink href="/spaces">Search spaces</NavLink>
        </nav>
        <div class="who">
          <LinkIndicator state={link} />
          <span data-testid="viewer">
            {viewer.kind === 'local' ? (
              <span title="No API key exists yet: callers on this machine are admins. Create a key before exposing the server.">local admin (no keys yet)</span>
            ) : viewer.kind === 'anonymous' ? (
              <span title="GRAPHNAS_AUTH=off: everyone is admin">anonymous admin (auth off)</span>
            ) : (
              <>
                {viewer.name} · <strong data-testid="role">{viewer.role.toLowerCase()}</strong>
                {viewer.project === null ? '' : ` · project ${viewer.project}`}
              </>
            )}
          </span>
          {api.key === null ? null : (
            <button type="button" onClick={logout}>
              Log out
            </button>
          )}
        </div>
      </header>
      {link === 'refused' ? (
        <p class="banner" role="alert">
          The server closed the live connection for this key (revoked or expired). <button type="button" onClick={logout}>Log in again</button>
        </p>
      ) : null}
      <Routes />
    </SessionContext.Provider>
  );
}

function NavLink({ href, children }: { href: string; children: string }): JSX.Element {
  const { path } = useLocation();
  const current = href === '/' ? path === '/' || path.startsWith('/experiments') || path.startsWith('/trials') : path.startsWith(href);
  return (
    <Link href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </Link>
  );
}

function LinkIndicator({ state }: { state: LinkState }): JSX.Element {
  const text: Record<LinkState, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', refused: 'refused' };
  return (
    <span class={`link-state link-${state}`} role="status" data-testid="link-state" data-state={state}>
      <span class="dot" aria-hidden="true" /> {text[state]}
    </span>
  );
}

function Routes(): JSX.Element {
  const { path } = useLocation();
  useEffect(() => {
    document.title = `${titleOf(path)} · graphnas`;
  }, [path]);
  let params: Record<string, string> | null;
  if (path === '/' || path === '/experiments') return <ExperimentsPage />;
  if (path === '/experiments/new') return <NewExperimentPage />;
  if ((params = match('/experiments/:id', path)) !== null) return <ExperimentPage key={params.id} id={params.id!} />;
  if ((params = match('/trials/:id', path)) !== null) return <TrialPage key={params.id} id={params.id!} />;
  if (path === '/spaces') return <SpacesPage />;
  return (
    <main id="main" tabIndex={-1}>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Back to the experiments</Link>.
      </p>
    </main>
  );
}

function titleOf(path: string): string {
  if (path === '/experiments/new') return 'New experiment';
  if (path.startsWith('/experiments/')) return 'Experiment';
  if (path.startsWith('/trials/')) return 'Trial';
  if (path === '/spaces') return 'Search spaces';
  return 'Experiments';
}

function LoginPage({ reason, onKey }: { reason: string | null; onKey: (key: string, fail: (reason: string) => void) => void }): JSX.Element {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);
  return (
    <main id="main" class="login">
      <h1>graphnas</h1>
      <form
        class="form"
        aria-label="Log in"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setProblem(null);
          onKey(key.trim(), (why) => {
            setBusy(false);
            setProblem(why);
          });
        }}
      >
        <p>This server wants an API key. Paste yours (it starts with gnk_); it is kept for this tab only.</p>
        <div class="field">
          <label for="api-key">API key</label>
          <input id="api-key" type="password" autoComplete="off" required value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-describedby={problem === null ? undefined : 'login-problem'} />
        </div>
        {problem === null ? null : (
          <p class="error-note" id="login-problem" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy || key.trim() === ''}>
          Log in
        </button>
        <p class="muted small">An admin creates keys with graphnas keys create --name NAME --role viewer|operator|admin.</p>
      </form>
    </main>
  );
}
