import { MAX_RETRY_AFTER_MS } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import { takeFromBuckets, lowerBucket as lowerBucketState } from './token-bucket.ts';
import type { BucketLimit, BucketState } from './token-bucket.ts';

export interface BucketCharge {
  key: string;
  limit: BucketLimit;
  cost: number;
}

/**
 * Granted: the tokens are spent for a send at `at` (epoch ms, now or a reservation ahead).
 * Denied: nothing was spent, and `at` is when the tokens would be there.
 */
export interface BucketTakeResult {
  granted: boolean;
  at: number;
}

export type SlotResult = { acquired: true } | { acquired: false; freeAt: number };

/**
 * The budget every worker sharing a store draws from. Each method must be one atomic step (one
 * transaction in a SQL store) so two workers never both spend the last token or take the last
 * slot. Times are epoch ms from the caller; the state has no clock of its own.
 */
export interface RateLimitState {
  /**
   * Charges every bucket or none, at one send time (see `takeFromBuckets`), reserving up to
   * `maxWaitMs` ahead. `clock` is read once the buckets are held, never before: a take that
   * waited for another worker's must not reserve for an instant that has already passed, or its
   * send leaves later than the bucket believes and crowds the next window (ADR-0009).
   */
  take(charges: readonly BucketCharge[], clock: Clock, maxWaitMs?: number): Promise<BucketTakeResult>;
  /** The vendor says fewer units are left than we counted: lower the bucket, never raise it. */
  lowerBucket(key: string, limit: BucketLimit, available: number, now: number): Promise<void>;
  /**
   * Pauses only grow: a shorter Retry-After arriving late must not cut a longer pause short. But a
   * stored pause beyond `pauseHorizon(now)` is replaced: every reader ignores it (one an older
   * Weft stored, or one from before the cap), so kept, it would swallow every later pause and the
   * limiter would send straight through a vendor's Retry-After.
   */
  pauseUntil(key: string, until: number, now: number): Promise<void>;
  pausedUntil(key: string): Promise<number | undefined>;
  /**
   * A concurrency slot leased to `holder` until now + leaseMs, so a worker that dies holding one
   * frees it when the lease runs out. When all are taken, `freeAt` is the earliest expiry — the
   * latest a slot can stay taken if its holder never comes back.
   */
  acquireSlot(key: string, options: { capacity: number; holder: string; now: number; leaseMs: number }): Promise<SlotResult>;
  releaseSlot(key: string, holder: string): Promise<void>;
}

/**
 * The furthest a stored pause may lie from `now` and still hold anyone off: as far as any vendor
 * signal may set one (MAX_RETRY_AFTER_MS). Readers ignore a pause beyond it; a new pause replaces it.
 */
export function pauseHorizon(now: number): number {
  return now + MAX_RETRY_AFTER_MS;
}

/** For tests and single-process use: every method is synchronous inside, hence atomic. */
export function createMemoryRateLimitState(): RateLimitState {
  const buckets = new Map<string, BucketState>();
  const pauses = new Map<string, number>();
  const slots = new Map<string, Map<string, number>>();

  return {
    take: async (charges, clock, maxWaitMs = 0) => {
      const result = takeFromBuckets(
        charges.map((charge) => ({ state: buckets.get(charge.key), limit: charge.limit, cost: charge.cost })),
        clock.now(),
        maxWaitMs,
      );
      if (result.granted) {
        charges.forEach((charge, index) => {
          const state = result.states[index];
          if (state !== undefined) buckets.set(charge.key, state);
        });
      }
      return { granted: result.granted, at: result.at };
    },

    lowerBucket: async (key, limit, available, now) => {
      buckets.set(key, lowerBucketState(buckets.get(key), limit, available, now));
    },

    pauseUntil: async (key, until, now) => {
      const stored = pauses.get(key);
      pauses.set(key, stored === undefined || stored > pauseHorizon(now) ? until : Math.max(until, stored));
    },

    pausedUntil: async (key) => pauses.get(key),

    acquireSlot: async (key, { capacity, holder, now, leaseMs }) => {
      const leases = slots.get(key) ?? new Map<string, number>();
      slots.set(key, leases);
      for (const [who, expiresAt] of leases) if (expiresAt <= now) leases.delete(who);
      if (leases.size >= capacity && !leases.has(holder)) return { acquired: false, freeAt: Math.min(...leases.values()) };
      leases.set(holder, now + leaseMs);
      return { acquired: true };
    },

    releaseSlot: async (key, holder) => {
      slots.get(key)?.delete(holder);
    },
  };
}
