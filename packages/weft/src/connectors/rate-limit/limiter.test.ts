import { JITTER_MARGIN } from './token-bucket.ts';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectorRateLimit } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import { LATE_SEND_TOLERANCE_MS, createConnectionLimiter, mergeRateLimits, outcomeForStatus } from './limiter.ts';
import type { Acquisition, ConnectionLimiter } from './limiter.ts';
import { createMemoryRateLimitState } from './rate-limit-state.ts';
import type { RateLimitState } from './rate-limit-state.ts';
import type { VendorResponse } from './vendor-signals.ts';
import { createVirtualTime, maxInAnyWindow } from './virtual-time.ts';
import type { VirtualTime } from './virtual-time.ts';

const OK: VendorResponse = { status: 200, headers: {}, body: {} };

function granted(acquisition: Acquisition): Extract<Acquisition, { status: 'granted' }> {
  assert.equal(acquisition.status, 'granted', `expected a grant, got ${JSON.stringify(acquisition)}`);
  return acquisition as Extract<Acquisition, { status: 'granted' }>;
}

/**
 * A vendor limited to `perSecond` in any sliding second that, from its `penaltyAfter`-th request,
 * refuses everything for `penaltySeconds` with Retry-After (counting down).
 */
function createSandbox(time: VirtualTime, options: { penaltyAfter?: number; penaltySeconds?: number } = {}) {
  const arrivals: number[] = [];
  let penaltyUntil: number | undefined;
  return {
    arrivals,
    handle(): VendorResponse {
      const now = time.now();
      arrivals.push(now);
      if (penaltyUntil === undefined && options.penaltyAfter !== undefined && arrivals.length === options.penaltyAfter) {
        penaltyUntil = now + (options.penaltySeconds ?? 60) * 1000;
      }
      if (penaltyUntil !== undefined && now < penaltyUntil) {
        return { status: 429, headers: { 'retry-after': String(Math.ceil((penaltyUntil - now) / 1000)) }, body: { error: 'slow down' } };
      }
      return OK;
    },
  };
}

/**
 * `workers` engine workers, each with its own limiter (as separate processes would have) over one
 * shared state, drain `calls` calls. A wait stands for the engine postponing the run; a 429 sends
 * the call back to be tried again, as the retry policy would.
 */
async function drain(options: {
  time: VirtualTime;
  state: RateLimitState;
  limits: ConnectorRateLimit;
  workers: number;
  calls: number;
  send: () => VendorResponse;
  onRefused?: (at: number) => void;
  onInFlight?: (delta: 1 | -1) => void;
}): Promise<number> {
  const { time } = options;
  let pending = options.calls;
  let completed = 0;
  const work = async (worker: number): Promise<void> => {
    const limiter = createConnectionLimiter({
      state: options.state,
      clock: time,
      key: 'sandbox',
      limits: options.limits,
      holder: `worker-${worker}`,
      sleep: time.sleep,
    });
    let call = 0;
    while (pending > 0) {
      pending--;
      for (;;) {
        const acquisition = await limiter.acquire('list-orders');
        if (acquisition.status === 'wait') {
          await time.sleep(acquisition.waitUntil - time.now());
          continue;
        }
        options.onInFlight?.(1);
        const response = options.send();
        // Latency differs per call, so workers drift apart as real ones do.
        await time.sleep(20 + ((worker * 31 + call++ * 17) % 70));
        options.onInFlight?.(-1);
        await limiter.observe('list-orders', response);
        await acquisition.release(outcomeForStatus(response.status));
        if (response.status === 429) {
          options.onRefused?.(time.now());
          continue;
        }
        completed++;
        break;
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, (_, worker) => work(worker)));
  await time.runUntilIdle();
  await running;
  return completed;
}

/** The wait between two requests at `rate` per second, after the jitter margin (whole ms). */
const gapMs = (rate: number) => Math.ceil(1000 / (rate * (1 - JITTER_MARGIN)));

describe('createConnectionLimiter: shared budget across workers', () => {
  it('a sandbox limited to 10 req/s never sees more than 10 in any second while 500 calls drain', async () => {
    const time = createVirtualTime();
    const start = time.now();
    const sandbox = createSandbox(time);
    const completed = await drain({
      time,
      state: createMemoryRateLimitState(),
      limits: { requestsPerSecond: 10 },
      workers: 20,
      calls: 500,
      send: sandbox.handle,
    });
    assert.equal(completed, 500);
    assert.equal(sandbox.arrivals.length, 500);
    assert.equal(maxInAnyWindow(sandbox.arrivals, 1_000), 10);
    // And the budget is used, not wasted: 500 calls at 10/s, less the jitter margin, take ~51.4 s.
    const last = sandbox.arrivals.at(-1) as number;
    const expected = (499 / (10 * (1 - JITTER_MARGIN))) * 1000;
    assert.ok(Math.abs(last - start - expected) < 500, `last call at ${last - start} ms, expected ~${Math.round(expected)}`);
  });

  it('after Retry-After: 60 the sandbox receives nothing for 60 s, then the calls resume and finish', async () => {
    const time = createVirtualTime();
    const sandbox = createSandbox(time, { penaltyAfter: 30, penaltySeconds: 60 });
    const refusals: number[] = [];
    const completed = await drain({
      time,
      state: createMemoryRateLimitState(),
      limits: { requestsPerSecond: 10 },
      workers: 20,
      calls: 100,
      send: sandbox.handle,
      onRefused: (at) => refusals.push(at),
    });
    assert.equal(completed, 100);
    const firstRefusalSeen = refusals[0] as number;
    const during = sandbox.arrivals.filter((at) => at >= firstRefusalSeen && at < firstRefusalSeen + 60_000);
    assert.deepEqual(during, []);
    // Only requests already on the wire when the 429 came back were refused.
    assert.ok(refusals.length <= 2, `${refusals.length} refusals`);
    assert.ok((sandbox.arrivals.at(-1) as number) >= firstRefusalSeen + 60_000);
    assert.equal(maxInAnyWindow(sandbox.arrivals, 1_000), 10);
  });

  it('keeps 10 in any second when the store answers late: a take 60 ms after it read the clock (a contended lock), a pause read after 30 ms', async () => {
    const time = createVirtualTime();
    const sandbox = createSandbox(time);
    const shared = createMemoryRateLimitState();
    const slow: RateLimitState = {
      ...shared,
      take: async (charges, clock, maxWaitMs) => {
        const take = await shared.take(charges, clock, maxWaitMs);
        await time.sleep(60);
        return take;
      },
      pausedUntil: async (key) => {
        await time.sleep(30);
        return shared.pausedUntil(key);
      },
    };
    const completed = await drain({ time, state: slow, limits: { requestsPerSecond: 10 }, workers: 20, calls: 200, send: sandbox.handle });
    assert.equal(completed, 200);
    assert.ok(maxInAnyWindow(sandbox.arrivals, 1_000) <= 10, `saw ${maxInAnyWindow(sandbox.arrivals, 1_000)} in one second`);
  });

  it('caps calls in flight across workers at the declared concurrency', async () => {
    const time = createVirtualTime();
    let inFlight = 0;
    let mostInFlight = 0;
    const completed = await drain({
      time,
      state: createMemoryRateLimitState(),
      limits: { concurrency: 2 },
      workers: 5,
      calls: 60,
      send: () => OK,
      onInFlight: (delta) => {
        inFlight += delta;
        mostInFlight = Math.max(mostInFlight, inFlight);
      },
    });
    assert.equal(completed, 60);
    assert.equal(mostInFlight, 2);
  });
});

describe('createConnectionLimiter: one worker at a time', () => {
  function setup(limits: ConnectorRateLimit, extra: Partial<Parameters<typeof createConnectionLimiter>[0]> = {}) {
    const clock = createManualClock();
    const state = createMemoryRateLimitState();
    const make = (holder: string): ConnectionLimiter =>
      createConnectionLimiter({ state, clock, key: 'conn_1', limits, holder, ...extra });
    return { clock, state, make };
  }

  it('without a sleep it hands back every wait, however short', async () => {
    const { clock, make } = setup({ requestsPerSecond: 10 });
    const limiter = make('w1');
    granted(await limiter.acquire());
    assert.deepEqual(await limiter.acquire(), { status: 'wait', waitUntil: clock.now() + gapMs(10), reason: 'rate' });
  });

  it('with a sleep it waits short gaps in-process and hands back long ones', async () => {
    const time = createVirtualTime();
    const limiter = createConnectionLimiter({
      state: createMemoryRateLimitState(),
      clock: time,
      key: 'conn_1',
      limits: { requestsPerSecond: 2 },
      holder: 'w1',
      sleep: time.sleep,
    });
    const start = time.now();
    const results: Acquisition[] = [];
    const running = (async () => {
      for (let i = 0; i < 3; i++) results.push(await limiter.acquire());
    })();
    await time.runUntilIdle();
    await running;
    // 500 ms gaps exceed the 250 ms in-process budget: the second and third come back as waits.
    assert.deepEqual(
      results.map((result) => result.status),
      ['granted', 'wait', 'wait'],
    );
    assert.equal(time.now(), start);

    const fast = createConnectionLimiter({
      state: createMemoryRateLimitState(),
      clock: time,
      key: 'conn_2',
      limits: { requestsPerSecond: 10 },
      holder: 'w1',
      sleep: time.sleep,
    });
    const sequence = (async () => {
      for (let i = 0; i < 3; i++) granted(await fast.acquire());
    })();
    await time.runUntilIdle();
    await sequence;
    assert.equal(time.now(), start + 2 * gapMs(10));
  });

  it('gives up a reservation its timer woke too late for and queues again, so no send leaves late', async () => {
    const time = createVirtualTime();
    let oversleeps = 1;
    const limiter = createConnectionLimiter({
      state: createMemoryRateLimitState(),
      clock: time,
      key: 'conn_1',
      limits: { requestsPerSecond: 10 },
      holder: 'w1',
      // A busy event loop: the first wait ends well past the tolerance.
      sleep: (ms) => time.sleep(ms + (oversleeps-- > 0 ? LATE_SEND_TOLERANCE_MS + 25 : 0)),
    });
    const start = time.now();
    const grantedAt: number[] = [];
    const running = (async () => {
      for (let i = 0; i < 2; i++) {
        granted(await limiter.acquire());
        grantedAt.push(time.now() - start);
      }
    })();
    await time.runUntilIdle();
    await running;
    // The slot one gap in was missed: the send takes the next one instead of crowding it.
    assert.deepEqual(grantedAt, [0, 2 * gapMs(10)]);
  });

  it('Retry-After: 60 gives no grant for 60 s of clock time, to any worker, then grants resume', async () => {
    const { clock, make } = setup({ requestsPerSecond: 10 });
    const [refused, other] = [make('w1'), make('w2')];
    const start = clock.now();
    await granted(await refused.acquire()).release('success');
    await refused.observe(undefined, { status: 429, headers: { 'retry-after': '60' }, body: {} });
    for (const at of [0, 1_000, 30_000, 59_999]) {
      clock.set(start + at);
      assert.deepEqual(await other.acquire(), { status: 'wait', waitUntil: start + 60_000, reason: 'paused' });
    }
    clock.set(start + 60_000);
    granted(await other.acquire());
  });

  it('ignores a stored pause further off than any vendor signal may set, and still honours a day', async () => {
    const { clock, state, make } = setup({});
    const limiter = make('w1');
    await state.pauseUntil('conn_1', clock.now() + 365 * 24 * 3_600_000, clock.now());
    granted(await limiter.acquire());
    const day = setup({});
    await day.state.pauseUntil('conn_1', day.clock.now() + 24 * 3_600_000, day.clock.now());
    assert.deepEqual(await day.make('w1').acquire(), { status: 'wait', waitUntil: day.clock.now() + 24 * 3_600_000, reason: 'paused' });
  });

  it("honours a vendor's Retry-After over a pause an older Weft stored a year off", async () => {
    const { clock, state, make } = setup({});
    await state.pauseUntil('conn_1', clock.now() + 365 * 24 * 3_600_000, clock.now());
    const [refused, other] = [make('w1'), make('w2')];
    await refused.observe(undefined, { status: 429, headers: { 'retry-after': '30' }, body: {} });
    assert.deepEqual(await other.acquire(), { status: 'wait', waitUntil: clock.now() + 30_000, reason: 'paused' });
  });

  it('stores no pause further off than a day, whoever asks for it, so it is honoured rather than ignored', async () => {
    const year = 365 * 24 * 3_600_000;
    const { clock, make } = setup({}, { defaultPauseMs: year, breaker: { failureThreshold: 1, coolDownMs: year, maxCoolDownMs: year } });
    const limiter = make('w1');
    await limiter.observe(undefined, { status: 429, headers: {}, body: {} });
    assert.deepEqual(await limiter.acquire(), { status: 'wait', waitUntil: clock.now() + 24 * 3_600_000, reason: 'paused' });

    const broken = setup({}, { breaker: { failureThreshold: 1, coolDownMs: year, maxCoolDownMs: year } });
    await granted(await broken.make('w1').acquire()).release('failure');
    assert.deepEqual(await broken.make('w2').acquire(), { status: 'wait', waitUntil: broken.clock.now() + 24 * 3_600_000, reason: 'paused' }, "the breaker's cool-down holds the other workers off");
  });

  it('a reset header of weeks pauses the connection for a day, not until it resets', async () => {
    const { clock, make } = setup({});
    const limiter = make('w1');
    await limiter.observe(undefined, { status: 200, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3600000' }, body: {} });
    assert.deepEqual(await limiter.acquire(), { status: 'wait', waitUntil: clock.now() + 24 * 3_600_000, reason: 'paused' });
  });

  it('pauses for a default spell after a 429 that gives no time (PayPal)', async () => {
    const { clock, make } = setup({});
    const limiter = make('w1');
    await limiter.observe(undefined, { status: 429, headers: {}, body: { name: 'RATE_LIMIT_REACHED' } });
    assert.deepEqual(await limiter.acquire(), { status: 'wait', waitUntil: clock.now() + 1_000, reason: 'paused' });
  });

  it("a 429 on an endpoint with its own limits pauses that endpoint, not the connection", async () => {
    const { clock, make } = setup({ perEndpoint: { 'get-orders': { requestsPerSecond: 1 } } });
    const limiter = make('w1');
    await limiter.observe('get-orders', { status: 429, headers: { 'retry-after': '5' }, body: {} });
    assert.deepEqual(await limiter.acquire('get-orders'), { status: 'wait', waitUntil: clock.now() + 5_000, reason: 'paused' });
    granted(await limiter.acquire('get-catalog-item'));
  });

  it('charges the endpoint bucket and the connection bucket together', async () => {
    const { clock, make } = setup({ requestsPerSecond: 10, perEndpoint: { 'get-orders': { requestsPerSecond: 1 } } });
    const limiter = make('w1');
    granted(await limiter.acquire('get-orders'));
    assert.deepEqual(await limiter.acquire('get-orders'), { status: 'wait', waitUntil: clock.now() + gapMs(1), reason: 'rate' });
    clock.advance(gapMs(10));
    granted(await limiter.acquire('other'));
  });

  it('lets a worker that died holding a slot block others only until its lease ends', async () => {
    const { clock, make } = setup({ concurrency: 1 }, { slotLeaseMs: 10_000 });
    const [dying, survivor] = [make('w1'), make('w2')];
    const start = clock.now();
    granted(await dying.acquire());
    assert.deepEqual(await survivor.acquire(), { status: 'wait', waitUntil: start + 50, reason: 'concurrency' });
    clock.set(start + 9_999);
    assert.deepEqual(await survivor.acquire(), { status: 'wait', waitUntil: start + 10_000, reason: 'concurrency' });
    clock.set(start + 10_000);
    const slot = granted(await survivor.acquire());
    await slot.release('success');
    granted(await survivor.acquire());
  });

  it("keeps a slow call's slot for its whole timeout: a 5-minute search under concurrency 1 is alone until it ends", async () => {
    const { clock, make } = setup({ concurrency: 1 });
    const [searching, other] = [make('w1'), make('w2')];
    const start = clock.now();
    const timeoutMs = 5 * 60_000;
    granted(await searching.acquire('search', { timeoutMs }));
    for (const at of [121_000, timeoutMs]) {
      clock.set(start + at);
      assert.equal((await other.acquire('search', { timeoutMs })).status, 'wait', `at +${at} ms`);
    }
    // Its worker died: the slot frees once the call's timeout and the lease margin have passed.
    clock.set(start + timeoutMs + 120_000);
    granted(await other.acquire('search', { timeoutMs }));
  });

  it('a released slot is free at once for the other worker', async () => {
    const { make } = setup({ concurrency: 1 });
    const [first, second] = [make('w1'), make('w2')];
    const held = granted(await first.acquire());
    assert.equal((await second.acquire()).status, 'wait');
    await held.release('success');
    await held.release('success');
    granted(await second.acquire());
  });

  it('opens the breaker after N failures, shares the cool-down, probes once, and closes on success', async () => {
    const breaker = { failureThreshold: 3, coolDownMs: 10_000, maxCoolDownMs: 60_000 };
    const { clock, make } = setup({}, { breaker });
    const [failing, other] = [make('w1'), make('w2')];
    const start = clock.now();
    for (let i = 0; i < 3; i++) await granted(await failing.acquire()).release('failure');
    assert.deepEqual(await failing.acquire(), { status: 'wait', waitUntil: start + 10_000, reason: 'paused' });
    assert.deepEqual(await other.acquire(), { status: 'wait', waitUntil: start + 10_000, reason: 'paused' });

    clock.set(start + 10_000);
    const probe = granted(await failing.acquire());
    assert.deepEqual(await failing.acquire(), { status: 'wait', waitUntil: start + 20_000, reason: 'breaker' });
    await probe.release('success');
    granted(await failing.acquire());
  });

  it('a failed probe re-opens the breaker for twice as long', async () => {
    const breaker = { failureThreshold: 1, coolDownMs: 10_000, maxCoolDownMs: 60_000 };
    const { clock, make } = setup({}, { breaker });
    const limiter = make('w1');
    await granted(await limiter.acquire()).release('failure');
    clock.advance(10_000);
    await granted(await limiter.acquire()).release('failure');
    assert.deepEqual(await limiter.acquire(), { status: 'wait', waitUntil: clock.now() + 20_000, reason: 'paused' });
  });

  it('does not let a probe refused by the rate limit hold the half-open breaker', async () => {
    const breaker = { failureThreshold: 1, coolDownMs: 1_000, maxCoolDownMs: 60_000 };
    const { clock, make } = setup({ concurrency: 1 }, { breaker });
    const [failing, busy] = [make('w1'), make('w2')];
    await granted(await failing.acquire()).release('failure');
    clock.advance(1_000);
    const slot = granted(await busy.acquire());
    assert.equal((await failing.acquire()).status, 'wait');
    await slot.release('success');
    granted(await failing.acquire());
  });

  it('Shopify at 39/40 lets one more call through, then makes callers wait for the leak', async () => {
    const { clock, make } = setup({});
    const [first, second] = [make('w1'), make('w2')];
    granted(await first.acquire('list-products'));
    await first.observe('list-products', { status: 200, headers: { 'x-shopify-shop-api-call-limit': '39/40' }, body: {} });
    granted(await first.acquire('list-products'));
    assert.deepEqual(await first.acquire('list-products'), { status: 'wait', waitUntil: clock.now() + 500, reason: 'rate' });
    // The bucket is shared: a worker that has seen the header too waits the same.
    await second.observe('list-products', { status: 200, headers: { 'x-shopify-shop-api-call-limit': '40/40' }, body: {} });
    assert.equal((await second.acquire('list-products')).status, 'wait');
    clock.advance(500);
    granted(await first.acquire('list-products'));
  });

  it('GraphQL THROTTLED waits for the points the query needs, then spends them', async () => {
    const { clock, make } = setup({});
    const limiter = make('w1');
    const start = clock.now();
    await limiter.observe('orders-query', {
      status: 200,
      headers: {},
      body: {
        errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }],
        extensions: {
          cost: { requestedQueryCost: 202, actualQueryCost: null, throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 114, restoreRate: 100 } },
        },
      },
    });
    assert.deepEqual(await limiter.acquire('orders-query'), { status: 'wait', waitUntil: start + 880, reason: 'paused' });
    clock.set(start + 880);
    granted(await limiter.acquire('orders-query'));
    assert.deepEqual(await limiter.acquire('orders-query'), { status: 'wait', waitUntil: start + 880 + 2_020, reason: 'rate' });
  });
});

describe('mergeRateLimits', () => {
  it('lets a connection override fields and single endpoints', () => {
    assert.deepEqual(
      mergeRateLimits(
        { requestsPerSecond: 10, concurrency: 4, perEndpoint: { 'get-orders': { requestsPerSecond: 1, burst: 5 } } },
        { requestsPerSecond: 2, perEndpoint: { 'get-orders': { requestsPerSecond: 0.5 } } },
      ),
      { requestsPerSecond: 2, concurrency: 4, perEndpoint: { 'get-orders': { requestsPerSecond: 0.5, burst: 5 } } },
    );
    assert.deepEqual(mergeRateLimits(undefined, undefined), {});
  });
});
