import type { Clock } from '../core/clock.ts';
import type { ConnectionLimiter } from '../connectors/rate-limit/limiter.ts';
import type { BreakerStatus, WeftMetrics } from './metrics.ts';

type LimiterMetrics = Pick<WeftMetrics, 'recordLimiterWait' | 'recordBreakerState'>;

/**
 * Metrics from a connection limiter's answers, without reaching into it: a wait is counted
 * with its reason, and the breaker's state is inferred from what it does (a breaker wait means
 * open, a call granted after that is the half-open probe, a successful call means closed). A
 * breaker that opens shows as open at the next call it refuses.
 */
export function observeLimiter(limiter: ConnectionLimiter, connection: string, metrics: LimiterMetrics, clock: Clock): ConnectionLimiter {
  let breaker: BreakerStatus = 'closed';
  const setBreaker = (status: BreakerStatus) => {
    breaker = status;
    metrics.recordBreakerState(connection, status);
  };
  return {
    acquire: async (endpoint, cost) => {
      const acquisition = await limiter.acquire(endpoint, cost);
      if (acquisition.status === 'wait') {
        metrics.recordLimiterWait(connection, acquisition.reason, (acquisition.waitUntil - clock.now()) / 1000);
        if (acquisition.reason === 'breaker') setBreaker('open');
        return acquisition;
      }
      if (breaker === 'open') setBreaker('half-open');
      return {
        status: 'granted',
        release: async (outcome) => {
          await acquisition.release(outcome);
          if (outcome === 'success' && breaker !== 'closed') setBreaker('closed');
          if (outcome === 'failure' && breaker === 'half-open') setBreaker('open');
        },
      };
    },
    observe: (endpoint, response) => limiter.observe(endpoint, response),
  };
}

/** The limiter's in-process waits (a reserved token a few ms away), counted as reason `sleep`. */
export function observeLimiterSleep(sleep: (ms: number) => Promise<void>, connection: string, metrics: LimiterMetrics): (ms: number) => Promise<void> {
  return (ms) => {
    metrics.recordLimiterWait(connection, 'sleep', ms / 1000);
    return sleep(ms);
  };
}
