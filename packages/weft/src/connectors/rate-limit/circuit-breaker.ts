import type { Clock } from '../../core/clock.ts';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** The first cool-down; each failed probe doubles it up to maxCoolDownMs. */
  coolDownMs: number;
  maxCoolDownMs: number;
  /**
   * A probe that reports nothing for this long is presumed lost (its caller crashed or forgot),
   * so another may go. Defaults to maxCoolDownMs.
   */
  probeTimeoutMs?: number;
}

/**
 * `failure` is evidence the destination is down (5xx, timeout, refused connection); `success`
 * that it answered (any 2xx–4xx, a 429 included: rate limits are handled elsewhere); `unsent`
 * that the request never left (the limiter refused it after admission), which proves nothing.
 */
export type CallOutcome = 'success' | 'failure' | 'unsent';

export type Admission = { ok: true; probe: boolean } | { ok: false; retryAt: number };

export type BreakerState =
  | { status: 'closed'; failures: number }
  | { status: 'open'; until: number; coolDownMs: number }
  | { status: 'half-open'; coolDownMs: number; probeStartedAt: number | undefined };

export interface CircuitBreaker {
  admit(): Admission;
  /** Pass the admission's `probe` flag back, so a straggler from before the breaker opened cannot close it. */
  record(outcome: CallOutcome, probe: boolean): void;
  state(): BreakerState;
}

/**
 * One connection's breaker, in one process. Each worker learns on its own that a destination is
 * down; the limiter publishes the cool-down to the shared state so the others hold off too
 * (ADR-0009). It refuses calls for at most maxCoolDownMs at a time, a lost probe holds the next
 * one back for at most probeTimeoutMs, whatever the clock does.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions, clock: Clock): CircuitBreaker {
  const probeTimeoutMs = options.probeTimeoutMs ?? options.maxCoolDownMs;
  let current: BreakerState = { status: 'closed', failures: 0 };

  const open = (requestedMs: number): void => {
    const coolDownMs = Math.min(requestedMs, options.maxCoolDownMs);
    current = { status: 'open', until: clock.now() + coolDownMs, coolDownMs };
  };

  /**
   * A wall clock set back (an NTP step, a resumed VM) would stretch every wait measured from an
   * instant read before it: none is let outlast its own length from now.
   */
  const boundToNow = (now: number): void => {
    if (current.status === 'open' && current.until - now > current.coolDownMs) current = { ...current, until: now + current.coolDownMs };
    if (current.status === 'half-open' && current.probeStartedAt !== undefined && current.probeStartedAt > now) current = { ...current, probeStartedAt: now };
  };

  return {
    admit: () => {
      const now = clock.now();
      boundToNow(now);
      if (current.status === 'closed') return { ok: true, probe: false };
      if (current.status === 'open') {
        if (now < current.until) return { ok: false, retryAt: current.until };
        current = { status: 'half-open', coolDownMs: current.coolDownMs, probeStartedAt: undefined };
      }
      const { probeStartedAt } = current;
      if (probeStartedAt !== undefined && now < probeStartedAt + probeTimeoutMs) {
        // Waiting one base cool-down is cheap next to a destination that was just down.
        return { ok: false, retryAt: Math.min(now + options.coolDownMs, probeStartedAt + probeTimeoutMs) };
      }
      current = { ...current, probeStartedAt: now };
      return { ok: true, probe: true };
    },

    record: (outcome, probe) => {
      if (current.status === 'closed') {
        if (outcome === 'success') current = { status: 'closed', failures: 0 };
        if (outcome === 'failure') {
          const failures = current.failures + 1;
          if (failures >= options.failureThreshold) open(options.coolDownMs);
          else current = { status: 'closed', failures };
        }
        return;
      }
      if (current.status !== 'half-open' || !probe) return;
      if (outcome === 'success') current = { status: 'closed', failures: 0 };
      else if (outcome === 'failure') open(current.coolDownMs * 2);
      else current = { ...current, probeStartedAt: undefined };
    },

    state: () => current,
  };
}
