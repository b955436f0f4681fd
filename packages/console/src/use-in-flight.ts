import { useCallback, useRef, useState } from 'preact/hooks';

/**
 * One request at a time per action: a double click, or a second click while the engine is slow,
 * must not send it twice (a connection test run twice, a flow switched twice). `key` names the
 * action and its target, so other rows' buttons stay usable.
 */
export function useInFlight() {
  // A second click can land before the re-render that disables the button: the ref sees the first at once.
  const running = useRef(new Set<string>());
  const [, rendered] = useState(0);
  const run = useCallback(async (key: string, work: () => Promise<void>) => {
    if (running.current.has(key)) return;
    running.current.add(key);
    rendered((n) => n + 1);
    try {
      await work();
    } finally {
      running.current.delete(key);
      rendered((n) => n + 1);
    }
  }, []);
  const isBusy = useCallback((key: string) => running.current.has(key), []);
  return { run, isBusy };
}
