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

/**
 * Loads what a screen shows and loads it again when `deps` change or, throttled, when the live
 * feed reports one of `liveKinds`: a busy engine must not turn into a request per event.
 */
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[], liveKinds: readonly LiveKind[] = [], throttleMs = 1_000): Loaded<T> {
  const { live } = useConsole();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    return loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: Error) => {
        if (mine !== generation.current) return;
        setError(failure.message);
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

  return { data, error, loading, reload };
}
