import { useEffect, useState } from 'preact/hooks';

/** The wall clock, ticking every `everyMs`, so ages on screen grow while the operator looks. */
export function useNow(everyMs = 10_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
