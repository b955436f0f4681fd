import type { Clock } from '../../core/clock.ts';

/**
 * A clock whose sleeps finish only when the test lets time pass, so a minute of rate limiting
 * runs in milliseconds. `runUntilIdle` moves time to the next sleeper's wake-up, one at a time,
 * after every promise chain has settled, like a discrete-event simulation.
 */
export interface VirtualTime extends Clock {
  sleep(ms: number): Promise<void>;
  /** Resolves when nothing is asleep and every promise chain has run out; returns the final time. */
  runUntilIdle(): Promise<number>;
}

export function createVirtualTime(startMs = Date.UTC(2026, 0, 1)): VirtualTime {
  let current = startMs;
  let order = 0;
  const sleepers: Array<{ at: number; order: number; wake: () => void }> = [];

  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  return {
    now: () => current,
    sleep: (ms) =>
      new Promise<void>((wake) => {
        sleepers.push({ at: current + Math.max(0, ms), order: order++, wake });
      }),
    runUntilIdle: async () => {
      await settle();
      while (sleepers.length > 0) {
        sleepers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = sleepers.shift() as (typeof sleepers)[number];
        current = Math.max(current, next.at);
        next.wake();
        await settle();
      }
      return current;
    },
  };
}

/** The most of these times (sorted ascending) inside any half-open window [t, t + windowMs). */
export function maxInAnyWindow(sortedTimes: readonly number[], windowMs: number): number {
  let most = 0;
  let start = 0;
  for (let end = 0; end < sortedTimes.length; end++) {
    while ((sortedTimes[end] as number) - (sortedTimes[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
