import { toMs } from '../core/duration.ts';
import type { RetryPolicyConfig } from '../flows/flow-schema.ts';

export interface RetryPolicy {
  /** Tries of one step, the first included. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Measured from the first attempt: no retry is scheduled past it. */
  maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  initialDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
  maxAgeMs: 24 * 3_600_000,
};

/** Engine default ← flow `retry` ← step `retry`: later layers override field by field. */
export function resolveRetryPolicy(...layers: (RetryPolicyConfig | undefined)[]): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer.maxAttempts !== undefined) policy.maxAttempts = layer.maxAttempts;
    if (layer.initialDelay !== undefined) policy.initialDelayMs = toMs(layer.initialDelay);
    if (layer.maxDelay !== undefined) policy.maxDelayMs = toMs(layer.maxDelay);
    if (layer.maxAge !== undefined) policy.maxAgeMs = toMs(layer.maxAge);
  }
  return policy;
}

export type RetryDecision = { retry: true; at: number } | { retry: false; why: 'attempts' | 'age' };

/**
 * Exponential backoff with full jitter (delay drawn uniformly from [0, cap)), so runs that failed
 * together do not retry together. Retry-After is a floor and may exceed maxDelay: the destination
 * knows better than our cap when it will take requests again.
 */
export function nextAttempt(
  policy: RetryPolicy,
  opts: { attemptsMade: number; firstAttemptAt: number; now: number; retryAfterMs?: number; random: () => number },
): RetryDecision {
  if (opts.attemptsMade >= policy.maxAttempts) return { retry: false, why: 'attempts' };
  // The exponent is capped so a long run of attempts cannot make Infinity (and 0 * Infinity = NaN).
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(Math.max(opts.attemptsMade - 1, 0), 52));
  const jittered = opts.random() * ceiling;
  const delay = opts.retryAfterMs === undefined ? jittered : Math.max(jittered, opts.retryAfterMs);
  const at = opts.now + Math.round(delay);
  if (at > opts.firstAttemptAt + policy.maxAgeMs) return { retry: false, why: 'age' };
  return { retry: true, at };
}
