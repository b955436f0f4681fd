import type { Clock } from '../../core/clock.ts';

/** Wrong admin passwords allowed within the window before password sign-in pauses. */
export const MAX_FAILED_SIGN_INS = 10;
export const SIGN_IN_WINDOW_MS = 5 * 60_000;

/**
 * What a request that finds every remaining try taken by checks still running is told to wait:
 * a check (one scrypt) takes well under this, after which it either counts as a failure or frees
 * its try.
 */
const CHECKS_RUNNING_RETRY_MS = 1_000;

/** One password being checked; exactly one of its methods is called when the check ends. */
export interface PasswordCheck {
  /** The password was wrong; true when this failure is the one that pauses sign-in. */
  wrong(): boolean;
  /** The password was right: earlier failures are forgotten. */
  right(): void;
  /** The check could not finish (the store failed): it counts as nothing. */
  abandoned(): void;
}

/**
 * Bounds guessing of the admin password. There is one password account, so the failures are
 * counted for it, not per client address (behind a proxy every client has one address, and a
 * guesser can change theirs): after MAX_FAILED_SIGN_INS wrong passwords within the window,
 * password sign-in answers 429 until the oldest of them leaves it, without running scrypt.
 * Checks still running count against the limit from the moment they begin: a burst of guesses
 * sent at once would otherwise all pass before the first failure was counted, each running a
 * scrypt. API tokens are unaffected: a locked-out admin keeps working with one. Counted per
 * process.
 */
export function createSignInThrottle(clock: Clock) {
  let failures: number[] = [];
  let running = 0;
  const recent = () => {
    const since = clock.now() - SIGN_IN_WINDOW_MS;
    failures = failures.filter((at) => at > since);
    return failures;
  };
  /** How long until a password may be tried again; 0 when it may now. */
  const pausedForMs = (): number => {
    const within = recent();
    if (within.length >= MAX_FAILED_SIGN_INS) return within[within.length - MAX_FAILED_SIGN_INS]! + SIGN_IN_WINDOW_MS - clock.now();
    return within.length + running >= MAX_FAILED_SIGN_INS ? CHECKS_RUNNING_RETRY_MS : 0;
  };
  return {
    /** Takes one try for a password check, in the same synchronous step that asks whether one is left. */
    begin(): PasswordCheck | { pausedForMs: number } {
      const paused = pausedForMs();
      if (paused > 0) return { pausedForMs: paused };
      running += 1;
      let isOver = false;
      const end = (): void => {
        if (isOver) throw new Error('a password check ends once');
        isOver = true;
        running -= 1;
      };
      return {
        wrong() {
          end();
          recent().push(clock.now());
          return failures.length === MAX_FAILED_SIGN_INS;
        },
        right() {
          end();
          failures = [];
        },
        abandoned: end,
      };
    },
  };
}
