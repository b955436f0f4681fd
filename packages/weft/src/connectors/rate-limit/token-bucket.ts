import type { RateLimit } from '@weft/sdk';

/**
 * Token buckets as pure arithmetic, so the same code runs in memory and inside a store
 * transaction. A bucket is a timeline: `updatedAt` is the time of the latest scheduled send and
 * `tokens` the level just after it. A take may be scheduled a little in the future (a
 * reservation the caller sleeps until), and later takes queue behind it, so the scheduled send
 * times only move forward and the window bound below holds for them (ADR-0009).
 *
 * Window bound: with capacity C and refill R per second, the sends in any half-open window of
 * W seconds number fewer than C + R·W (the level starts at most C and gains less than R·W in the
 * window, and never goes below zero). Capacity 1 and refill L therefore allow at most L sends in
 * any 1-second window when L is a whole number, which is what a vendor counting a sliding window
 * of L per second accepts. A larger capacity (`burst`) only suits vendors whose limit is itself
 * a bucket (Shopify, Stripe).
 */

export interface BucketLimit {
  capacity: number;
  refillPerSecond: number;
}

export interface BucketState {
  tokens: number;
  /** Epoch ms; may be ahead of now while a reservation is outstanding. */
  updatedAt: number;
}

export interface BucketTake {
  granted: boolean;
  /**
   * Granted: how long the caller must wait before sending (0 = now) — the tokens are already
   * spent. Denied: how long until the tokens would be there; nothing was spent.
   */
  waitMs: number;
  /** The state to store; the input state unchanged when denied. */
  state: BucketState | undefined;
}

// Float refill arithmetic must not turn "exactly enough" into "one millisecond short".
const EPSILON = 1e-9;

/** The level at `at` (≥ updatedAt); an unseen bucket starts full. */
export function levelAt(state: BucketState | undefined, limit: BucketLimit, at: number): number {
  if (state === undefined) return limit.capacity;
  const elapsedMs = Math.max(0, at - state.updatedAt);
  return Math.min(limit.capacity, state.tokens + (elapsedMs * limit.refillPerSecond) / 1000);
}

/**
 * The earliest time, not before `now` nor before the latest scheduled send, at which `cost`
 * tokens are there. A cost above the capacity is charged as the whole bucket: it waits for a
 * full bucket instead of never running.
 */
export function readyAt(state: BucketState | undefined, limit: BucketLimit, cost: number, now: number): number {
  const start = Math.max(now, state?.updatedAt ?? now);
  const need = chargeable(limit, cost);
  const level = levelAt(state, limit, start);
  if (level + EPSILON >= need) return start;
  return start + Math.ceil(((need - level) * 1000) / limit.refillPerSecond);
}

/** The state after a send scheduled at `at` (which must be ≥ readyAt). */
export function spendAt(state: BucketState | undefined, limit: BucketLimit, cost: number, at: number): BucketState {
  return { tokens: Math.max(0, levelAt(state, limit, at) - chargeable(limit, cost)), updatedAt: at };
}

/** One bucket: spend now, or reserve up to `maxWaitMs` ahead, or say how long to wait. */
export function takeFromBucket(
  state: BucketState | undefined,
  limit: BucketLimit,
  cost: number,
  now: number,
  maxWaitMs = 0,
): BucketTake {
  const at = readyAt(state, limit, cost, now);
  const waitMs = at - now;
  if (waitMs > maxWaitMs) return { granted: false, waitMs, state };
  return { granted: true, waitMs, state: spendAt(state, limit, cost, at) };
}

/**
 * Several buckets (a connection's and an endpoint's) all or none, at one common send time: each
 * is charged at the time the request really goes out, so no bucket believes it went earlier.
 */
export function takeFromBuckets(
  entries: ReadonlyArray<{ state: BucketState | undefined; limit: BucketLimit; cost: number }>,
  now: number,
  maxWaitMs = 0,
): { granted: boolean; at: number; waitMs: number; states: Array<BucketState | undefined> } {
  const at = entries.reduce((latest, entry) => Math.max(latest, readyAt(entry.state, entry.limit, entry.cost, now)), now);
  const waitMs = at - now;
  if (waitMs > maxWaitMs) return { granted: false, at, waitMs, states: entries.map((entry) => entry.state) };
  return { granted: true, at, waitMs, states: entries.map((entry) => spendAt(entry.state, entry.limit, entry.cost, at)) };
}

/** The level after a vendor reports fewer units left than we counted; never raised. */
export function lowerBucket(state: BucketState | undefined, limit: BucketLimit, available: number, now: number): BucketState {
  const at = Math.max(now, state?.updatedAt ?? now);
  return { tokens: Math.max(0, Math.min(levelAt(state, limit, at), available)), updatedAt: at };
}

/**
 * Declared limits as a bucket. Without a declared burst the capacity is 1, which keeps every
 * 1-second window at or under `requestsPerSecond` (see the bound above).
 */
/**
 * Declared rates are refilled this much slower: a vendor counts arrivals, and a request that
 * leaves a few milliseconds late (a busy event loop, the network) would otherwise let the next
 * window hold one request too many. 3 % absorbs 30 ms of jitter at 10 requests/s.
 */
export const JITTER_MARGIN = 0.03;

export function toBucketLimit(limit: RateLimit): BucketLimit | undefined {
  if (limit.requestsPerSecond === undefined) return undefined;
  return { capacity: limit.burst ?? 1, refillPerSecond: limit.requestsPerSecond * (1 - JITTER_MARGIN) };
}

function chargeable(limit: BucketLimit, cost: number): number {
  return Math.min(cost, limit.capacity);
}
