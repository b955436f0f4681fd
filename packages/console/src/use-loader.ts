import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { useConsole } from './console-context.ts';
import type { LiveKind } from './live-feed.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again; settles once that load is on screen (or failed, or was overtaken by a later one). */
  reload(): Promise<void>;
}

/** What was loaded, and for which deps: it belongs to those deps only. */
interface Shown<T> {
  deps: readonly unknown[];
  data?: T;
  error?: string;
}

const sameDeps = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((value, index) => Object.is(value, b[index]));

/**
 * Loads what a screen shows and loads it again when `deps` change or, throttled, when the live
 * feed reports one of `liveKinds`: a busy engine must not turn into a request per event.
 *
 * What was loaded for other deps is never answered: moving from one record to another in place
 * (Back, Forward, a link) shows "loading" and then the new record or its error, not the previous
 * record under the new URL. A live reload of the same deps keeps what was loaded, with its error.
 */
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[], liveKinds: readonly LiveKind[] = [], throttleMs = 1_000): Loaded<T> {
  const { live } = useConsole();
  const [shown, setShown] = useState<Shown<T>>({ deps });
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const depsRef = useRef(deps);
  depsRef.current = deps;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    const forDeps = depsRef.current;
    setLoading(true);
    return loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setShown({ deps: forDeps, data: value });
        setLoading(false);
      },
      (failure: Error) => {
        if (mine !== generation.current) return;
        setShown((earlier) => (sameDeps(earlier.deps, forDeps) ? { ...earlier, error: failure.message } : { deps: forDeps, error: failure.message }));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => void reload(), deps);

  useEffect(() => {
    if (liveKinds.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = live.subscribe(liveKinds, () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void reload();
      }, throttleMs);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [live, liveKinds.join(',')]);

  // Rendered with new deps before their load has begun: nothing of the old ones, and loading.
  const current = sameDeps(shown.deps, deps);
  return { data: current ? shown.data : undefined, error: current ? shown.error : undefined, loading: loading || !current, reload };
}
