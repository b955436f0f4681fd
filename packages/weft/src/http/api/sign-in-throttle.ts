import type { Clock } from '../../core/clock.ts';

/** Wrong admin passwords allowed within the window before password sign-in pauses. */
export const MAX_FAILED_SIGN_INS = 10;
export const SIGN_IN_WINDOW_MS = 5 * 60_000;

/**
 * Bounds guessing of the admin password. There is one password account, so the failures are
 * counted for it, not per client address (behind a proxy every client has one address, and a
 * guesser can change theirs): after MAX_FAILED_SIGN_INS wrong passwords within the window,
 * password sign-in answers 429 until the oldest of them leaves it, without running scrypt.
 * API tokens are unaffected: a locked-out admin keeps working with one. Counted per process.
 */
export function createSignInThrottle(clock: Clock) {
  let failures: number[] = [];
  const recent = () => {
    const since = clock.now() - SIGN_IN_WINDOW_MS;
    failures = failures.filter((at) => at > since);
    return failures;
  };
  return {
    /** How long until a password may be tried again; 0 when it may now. */
    pausedForMs(): number {
      const within = recent();
      return within.length < MAX_FAILED_SIGN_INS ? 0 : within[0]! + SIGN_IN_WINDOW_MS - clock.now();
    },
    /** A wrong password; true when it is the one that pauses sign-in. */
    failed(): boolean {
      recent().push(clock.now());
      return failures.length === MAX_FAILED_SIGN_INS;
    },
    succeeded(): void {
      failures = [];
    },
  };
}
