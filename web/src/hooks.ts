import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api/client.js';
import { ApiError } from './api/client.js';
import type { Viewer } from './api/documents.js';
import type { Store } from './model/store.js';

export interface Session {
  readonly api: Api;
  readonly viewer: Viewer;
  /** Operators and admins act; viewers (and workers) only look. */
  readonly canOperate: boolean;
  logout(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a logged-in page');
  return session;
}

export function useStore<T>(store: Store<T>): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    setValue(store.get());
    return store.subscribe(setValue);
  }, [store]);
  return value;
}

/**
 * Re-renders on a store's changes at most once per `ms` (and per frame): a search can
 * send dozens of events a second, and a chart of 10,000 points need not redraw for each.
 */
export function useThrottled<T>(store: Store<T>, ms: number): T {
  const [value, setValue] = useState(() => store.get());
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const flush = (): void => {
      timer = null;
      last = performance.now();
      requestAnimationFrame(() => setValue(store.get()));
    };
    const off = store.subscribe(() => {
      if (timer !== null) return;
      timer = setTimeout(flush, Math.max(0, ms - (performance.now() - last)));
    });
    setValue(store.get());
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, ms]);
  return value;
}

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: ApiError | null;
  readonly loading: boolean;
  reload(): void;
}

/**
 * A query's answer, read again when its inputs change, when `reload` is called, and after
 * every reconnect of the live socket (the server may have restarted: what it says now wins).
 */
export function useQuery<T>(run: (api: Api) => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const { api } = useSession();
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => api.onReconnect(() => setTick((t) => t + 1)), [api]);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    runRef.current(api).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error: error instanceof ApiError ? error : new ApiError(String(error), 'ERROR', []), loading: false })),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the caller's deps decide when the query runs again
  }, [api, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
