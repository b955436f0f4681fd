/** Time and randomness are dependencies (guarantee 10): the core never reads them directly. */
export interface Clock {
  now(): number;
}

export type Random = () => number;

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = () => Math.random();

/** A clock tests move by hand. */
export function createManualClock(startMs = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = startMs;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
