import type { Clock } from './clock.ts';

/**
 * For a failure that repeats as long as its cause lasts (a locked or full store refusing every
 * write): the first occurrence is logged, then at most one line per interval, which says how
 * many occurred since the last — instead of a line per webhook or per claim.
 */
export function createLogThrottle(clock: Clock, intervalMs: number): { occurred(): number | undefined } {
  let lastLoggedAt = -Infinity;
  let unlogged = 0;
  return {
    /** Counts one occurrence; answers how many to report now, or undefined to stay quiet. */
    occurred() {
      unlogged += 1;
      if (clock.now() - lastLoggedAt < intervalMs) return undefined;
      lastLoggedAt = clock.now();
      const count = unlogged;
      unlogged = 0;
      return count;
    },
  };
}
