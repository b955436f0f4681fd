import type { ConnectorRateLimit, RateLimit } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';
import type { CallOutcome, CircuitBreakerOptions } from './circuit-breaker.ts';
import { pauseHorizon, type BucketCharge, type BucketTakeResult, type RateLimitState } from './rate-limit-state.ts';
import { toBucketLimit } from './token-bucket.ts';
import type { BucketLimit } from './token-bucket.ts';
import { readVendorSignals } from './vendor-signals.ts';
import type { VendorResponse, VendorSignals } from './vendor-signals.ts';

export type WaitReason = 'paused' | 'breaker' | 'concurrency' | 'rate';

/**
 * Granted: send now, then release with the outcome. Wait: do not send before `waitUntil`; the
 * engine postpones the run there without spending an attempt (PostponeError).
 */
export type Acquisition =
  | { status: 'granted'; release(outcome: CallOutcome): Promise<void> }
  | { status: 'wait'; waitUntil: number; reason: WaitReason };

export interface AcquireOptions {
  /**
   * What the request spends from declared buckets and GraphQL point buckets (default: 1 for
   * declared buckets, the last requestedQueryCost seen on this endpoint for point buckets).
   */
  cost?: number;
  /** The request's timeout: a concurrency slot is leased for this plus `slotLeaseMs`, so a slow call keeps its slot. */
  timeoutMs?: number;
}

export interface ConnectionLimiter {
  /** `endpoint` is the action id (per-endpoint limits and pauses apply to it). */
  acquire(endpoint?: string, options?: AcquireOptions): Promise<Acquisition>;
  /** Applies what the vendor said (pauses, bucket levels, query costs) to the shared budget. */
  observe(endpoint: string | undefined, response: VendorResponse): Promise<VendorSignals>;
}

export interface ConnectionLimiterOptions {
  state: RateLimitState;
  clock: Clock;
  /** The connection id: every worker using the connection shares the budget under it. */
  key: string;
  /** The connector's declared limits merged with the connection's overrides (`mergeRateLimits`). */
  limits: ConnectorRateLimit;
  /** This worker's id; concurrency slots are leased in its name. */
  holder: string;
  /** Without it the limiter never waits in-process: every wait is returned as waitUntil. */
  sleep?: (ms: number) => Promise<void>;
  /** The longest the limiter waits in-process (in total, per acquire) before handing back a time. */
  maxSleepMs?: number;
  /** False turns the breaker off. */
  breaker?: CircuitBreakerOptions | false;
  /**
   * How long a concurrency slot is leased beyond the request's `timeoutMs` (the whole lease when
   * acquire names none): time to send, read the answer and give the slot back. A worker that dies
   * holding a slot blocks it for the request's timeout plus this.
   */
  slotLeaseMs?: number;
  /** How soon to look again when every slot is taken; slots normally free long before leases end. */
  slotRetryMs?: number;
  /** The pause after a rate-limit refusal that says nothing about when to come back (PayPal). */
  defaultPauseMs?: number;
}

/**
 * A send may leave this long after its reserved instant; a later one gives the reservation up
 * and takes a new one. Half the slack JITTER_MARGIN leaves in every window (1000 ms / 0.97 −
 * 1000 ms ≈ 31 ms, whatever the rate): the other half is for the trip to the vendor.
 */
export const LATE_SEND_TOLERANCE_MS = 15;

/** Each measurement keeps this share of the lag seen before: one slow answer fades within a few dozen calls. */
const LAG_DECAY = 0.9;

const DEFAULTS = {
  maxSleepMs: 250,
  breaker: { failureThreshold: 5, coolDownMs: 5_000, maxCoolDownMs: 300_000 },
  slotLeaseMs: 120_000,
  slotRetryMs: 50,
  defaultPauseMs: 1_000,
};

type VendorBucketKind = 'calls' | 'points';

export function createConnectionLimiter(options: ConnectionLimiterOptions): ConnectionLimiter {
  const { state, clock, key, limits } = options;
  const maxSleepMs = options.sleep === undefined ? 0 : (options.maxSleepMs ?? DEFAULTS.maxSleepMs);
  const slotLeaseMs = options.slotLeaseMs ?? DEFAULTS.slotLeaseMs;
  const slotRetryMs = options.slotRetryMs ?? DEFAULTS.slotRetryMs;
  const defaultPauseMs = options.defaultPauseMs ?? DEFAULTS.defaultPauseMs;
  const breakerOptions = options.breaker ?? DEFAULTS.breaker;
  const breaker = breakerOptions === false ? undefined : createCircuitBreaker(breakerOptions, clock);
  const connectionBucket = toBucketLimit(limits);

  // What this process has learned from responses: the vendor's own bucket per endpoint, and the
  // cost of each endpoint's last GraphQL query. The bucket levels themselves live in `state`.
  const vendorBuckets = new Map<string, { kind: VendorBucketKind; limit: BucketLimit }>();
  const lastQueryCost = new Map<string, number>();
  let leaseCount = 0;
  // How long the store's answers take (slowly decaying maxima): a take's answer after the store
  // read the clock, and a pause read. Takes reserve at least the first ahead, and the pause is
  // read the second before the reserved instant, so a slow store does not make the sends late.
  const takeLag = createLagGauge(maxSleepMs);
  const pauseReadLag = createLagGauge(maxSleepMs);

  const endpointLimit = (endpoint: string | undefined): RateLimit | undefined =>
    endpoint === undefined ? undefined : limits.perEndpoint?.[endpoint];
  const endpointKey = (endpoint: string): string => `${key}/${endpoint}`;
  const vendorKey = (kind: VendorBucketKind): string => `${key}~${kind}`;
  // A vendor's pause speaks for whatever it limits separately: the endpoint when it has its own
  // limits (Amazon SP-API rates each operation), otherwise the whole connection.
  const pauseKey = (endpoint: string | undefined): string =>
    endpoint !== undefined && endpointLimit(endpoint) !== undefined ? endpointKey(endpoint) : key;

  function charges(endpoint: string | undefined, cost: number | undefined): BucketCharge[] {
    const list: BucketCharge[] = [];
    if (connectionBucket !== undefined) list.push({ key, limit: connectionBucket, cost: cost ?? 1 });
    const ownLimit = endpointLimit(endpoint);
    const ownBucket = ownLimit === undefined ? undefined : toBucketLimit(ownLimit);
    if (endpoint !== undefined && ownBucket !== undefined) list.push({ key: endpointKey(endpoint), limit: ownBucket, cost: cost ?? 1 });
    const vendor = vendorBuckets.get(endpoint ?? '');
    if (vendor !== undefined) {
      const vendorCost = vendor.kind === 'calls' ? 1 : (cost ?? lastQueryCost.get(endpoint ?? '') ?? 1);
      list.push({ key: vendorKey(vendor.kind), limit: vendor.limit, cost: vendorCost });
    }
    return list;
  }

  /**
   * A stored pause further off than any vendor signal may set (MAX_RETRY_AFTER_MS, `pauseHorizon`)
   * is ignored: one stored before signals were capped, say. The next pause stored replaces it.
   */
  async function pausedUntil(endpoint: string | undefined): Promise<number | undefined> {
    const keys = pauseKey(endpoint) === key ? [key] : [key, pauseKey(endpoint)];
    const untils = await Promise.all(keys.map((pause) => state.pausedUntil(pause)));
    const horizon = pauseHorizon(clock.now());
    return untils.reduce<number | undefined>((latest, until) => (until === undefined || until > horizon ? latest : Math.max(until, latest ?? until)), undefined);
  }

  /**
   * Every pause is stored at most MAX_RETRY_AFTER_MS away (`pauseHorizon`), whoever asks for it (a
   * vendor signal, the default pause, the breaker): `pausedUntil` ignores one further off, which
   * would send through the very pause it stands for.
   */
  function storePause(pause: string, until: number, now: number): Promise<void> {
    return state.pauseUntil(pause, Math.min(until, pauseHorizon(now)), now);
  }

  /** `state.take` through a clock running the take lag ahead, within the same overall wait. */
  async function takeAhead(toCharge: BucketCharge[], maxWaitMs: number): Promise<BucketTakeResult> {
    if (options.sleep === undefined) return state.take(toCharge, clock, maxWaitMs);
    const lead = takeLag.ms();
    let readAt: number | undefined;
    const ahead: Clock = {
      now: () => {
        readAt = clock.now();
        return readAt + lead;
      },
    };
    const take = await state.take(toCharge, ahead, Math.max(0, maxWaitMs - lead));
    if (readAt !== undefined) takeLag.record(clock.now() - readAt);
    return take;
  }

  async function attempt(endpoint: string | undefined, { cost, timeoutMs }: AcquireOptions, maxWaitMs: number): Promise<Acquisition> {
    const now = clock.now();
    const paused = await pausedUntil(endpoint);
    if (paused !== undefined && paused > now) return { status: 'wait', waitUntil: paused, reason: 'paused' };

    const admission = breaker?.admit() ?? { ok: true, probe: false };
    if (!admission.ok) return { status: 'wait', waitUntil: admission.retryAt, reason: 'breaker' };
    const isProbe = admission.probe;

    const holder = `${options.holder}#${++leaseCount}`;
    const slotKeys = [
      ...(limits.concurrency === undefined ? [] : [{ key, capacity: limits.concurrency }]),
      ...(endpoint !== undefined && endpointLimit(endpoint)?.concurrency !== undefined
        ? [{ key: endpointKey(endpoint), capacity: endpointLimit(endpoint)?.concurrency as number }]
        : []),
    ];
    const held: string[] = [];
    const giveBack = async (): Promise<void> => {
      await Promise.all(held.map((slot) => state.releaseSlot(slot, holder)));
      held.length = 0;
    };

    for (const slot of slotKeys) {
      const result = await state.acquireSlot(slot.key, { capacity: slot.capacity, holder, now, leaseMs: (timeoutMs ?? 0) + slotLeaseMs });
      if (!result.acquired) {
        await giveBack();
        breaker?.record('unsent', isProbe);
        return { status: 'wait', waitUntil: Math.min(result.freeAt, now + slotRetryMs), reason: 'concurrency' };
      }
      held.push(slot.key);
    }

    const toCharge = charges(endpoint, cost);
    const take = toCharge.length === 0 ? { granted: true, at: now } : await takeAhead(toCharge, maxWaitMs);
    if (!take.granted) {
      await giveBack();
      breaker?.record('unsent', isProbe);
      return { status: 'wait', waitUntil: take.at, reason: 'rate' };
    }
    // A reservation: the tokens are ours at `at`, and only `sleep` can get us there. Sleep until
    // that instant, not for a span counted from when the answer came: the answer may be late, and
    // a send after its reserved instant crowds the sends reserved after it.
    if (options.sleep !== undefined) {
      const untilReserved = take.at - clock.now();
      if (untilReserved > 0) {
        // A pause the vendor announced while we slept still wins; the spent tokens are simply lost.
        await options.sleep(Math.max(0, untilReserved - pauseReadLag.ms()));
        const readFrom = clock.now();
        const pausedAgain = await pausedUntil(endpoint);
        pauseReadLag.record(clock.now() - readFrom);
        if (pausedAgain !== undefined && pausedAgain > clock.now()) {
          await giveBack();
          breaker?.record('unsent', isProbe);
          return { status: 'wait', waitUntil: pausedAgain, reason: 'paused' };
        }
        const rest = take.at - clock.now();
        if (rest > 0) await options.sleep(rest);
      }
      // Too late for it anyway (a stalled event loop, a timer fired late): the tokens are lost,
      // and a new take queues behind the others.
      if (clock.now() - take.at > LATE_SEND_TOLERANCE_MS) {
        await giveBack();
        breaker?.record('unsent', isProbe);
        return { status: 'wait', waitUntil: clock.now(), reason: 'rate' };
      }
    }

    let isReleased = false;
    return {
      status: 'granted',
      release: async (outcome) => {
        if (isReleased) return;
        isReleased = true;
        await giveBack();
        if (breaker === undefined) return;
        const wasOpen = breaker.state().status === 'open';
        breaker.record(outcome, isProbe);
        const after = breaker.state();
        // Other workers' breakers have not seen these failures; the shared pause holds them off too.
        if (!wasOpen && after.status === 'open') await storePause(key, after.until, clock.now());
      },
    };
  }

  return {
    acquire: async (endpoint, acquireOptions = {}) => {
      const deadline = clock.now() + maxSleepMs;
      for (;;) {
        const now = clock.now();
        const result = await attempt(endpoint, acquireOptions, Math.max(0, deadline - now));
        if (result.status === 'granted' || options.sleep === undefined || result.waitUntil > deadline) return result;
        await options.sleep(result.waitUntil - clock.now());
      }
    },

    observe: async (endpoint, response) => {
      const now = clock.now();
      const signals = readVendorSignals(response, now);
      const pauseUntil = signals.pauseUntil ?? (signals.isRateLimited ? now + defaultPauseMs : undefined);
      if (pauseUntil !== undefined) await storePause(pauseKey(endpoint), pauseUntil, now);
      if (signals.graphqlCost?.requestedQueryCost !== undefined) lastQueryCost.set(endpoint ?? '', signals.graphqlCost.requestedQueryCost);
      if (signals.bucket !== undefined) {
        const kind: VendorBucketKind = signals.graphqlCost === undefined ? 'calls' : 'points';
        const limit = { capacity: signals.bucket.capacity, refillPerSecond: signals.bucket.restorePerSecond };
        vendorBuckets.set(endpoint ?? '', { kind, limit });
        await state.lowerBucket(vendorKey(kind), limit, signals.bucket.available, now);
      }
      return signals;
    },
  };
}

/** A decaying maximum of how long something took, in whole ms (the stores keep integer times), capped. */
function createLagGauge(capMs: number): { ms(): number; record(ms: number): void } {
  let lagMs = 0;
  return {
    ms: () => lagMs,
    record: (ms) => {
      lagMs = Math.min(capMs, Math.max(Math.ceil(ms), Math.floor(lagMs * LAG_DECAY)));
    },
  };
}

/** A connection's overrides over the connector's declaration, field by field and endpoint by endpoint. */
export function mergeRateLimits(declared: ConnectorRateLimit | undefined, override: ConnectorRateLimit | undefined): ConnectorRateLimit {
  const merged: ConnectorRateLimit = { ...declared, ...override };
  const endpoints = new Set([...Object.keys(declared?.perEndpoint ?? {}), ...Object.keys(override?.perEndpoint ?? {})]);
  if (endpoints.size > 0) {
    merged.perEndpoint = Object.fromEntries(
      [...endpoints].map((endpoint) => [endpoint, { ...declared?.perEndpoint?.[endpoint], ...override?.perEndpoint?.[endpoint] }]),
    );
  }
  return merged;
}

/** The breaker's reading of an HTTP status: only signs that the destination is down count against it. */
export function outcomeForStatus(status: number): CallOutcome {
  return status >= 500 || status === 408 ? 'failure' : 'success';
}
