import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRateLimitRefusal, readVendorSignals, toResetTime } from './vendor-signals.ts';

// 2026-01-01T00:00:00Z, so epoch-second resets below read naturally.
const NOW = Date.UTC(2026, 0, 1);
const NOW_SECONDS = NOW / 1000;

describe('readVendorSignals', () => {
  it('Shopify REST: 32/40 leaves 8 in a bucket of 40 leaking 2/s, no pause', () => {
    const signals = readVendorSignals(
      {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'x-shopify-shop-api-call-limit': '32/40', 'x-request-id': 'b1c1e7a2-5d0f' },
        body: { products: [] },
      },
      NOW,
    );
    assert.deepEqual(signals, { isRateLimited: false, bucket: { available: 8, capacity: 40, restorePerSecond: 2 } });
  });

  it('Shopify REST Plus: 80/80 is a full bucket leaking 4/s, so nothing for 250 ms', () => {
    const signals = readVendorSignals({ status: 200, headers: { 'X-Shopify-Shop-Api-Call-Limit': '80/80' }, body: {} }, NOW);
    assert.equal(signals.pauseUntil, NOW + 250);
    assert.deepEqual(signals.bucket, { available: 0, capacity: 80, restorePerSecond: 4 });
  });

  it("Shopify REST 429 with its fractional Retry-After '2.0'", () => {
    const signals = readVendorSignals(
      {
        status: 429,
        headers: { 'retry-after': '2.0', 'x-shopify-shop-api-call-limit': '40/40' },
        body: { errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' },
      },
      NOW,
    );
    assert.equal(signals.isRateLimited, true);
    assert.equal(signals.pauseUntil, NOW + 2_000);
  });

  it('a Retry-After of years in any spelling pauses for a day at most', () => {
    const spellings: Record<string, string>[] = [{ 'retry-after': '99999999999.5' }, { 'retry-after-ms': '9999999999999999' }, { 'retry-after': '99999999999' }];
    for (const headers of spellings) {
      assert.equal(readVendorSignals({ status: 429, headers, body: {} }, NOW).pauseUntil, NOW + 24 * 3_600_000, JSON.stringify(headers));
    }
  });

  it('a window reset or bucket refill of months pauses for a day at most, like Retry-After', () => {
    const day = NOW + 24 * 3_600_000;
    // A reset in milliseconds read as seconds: 3 600 000 s is 41 days.
    const spellings: Record<string, string>[] = [
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3600000' },
      { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '3600000' },
      { ratelimit: 'limit=100, remaining=0, reset=3600000' },
    ];
    for (const headers of spellings) {
      assert.equal(readVendorSignals({ status: 200, headers, body: {} }, NOW).pauseUntil, day, JSON.stringify(headers));
    }
    const trickle = { extensions: { cost: { requestedQueryCost: 500, throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 0, restoreRate: 0.0001 } } }, errors: [{ extensions: { code: 'THROTTLED' } }] };
    assert.equal(readVendorSignals({ status: 200, headers: {}, body: trickle }, NOW).pauseUntil, day);
  });

  it('Shopify GraphQL: cost and throttleStatus of a query that ran', () => {
    const body = {
      data: { products: { edges: [] } },
      extensions: {
        cost: {
          requestedQueryCost: 52,
          actualQueryCost: 12,
          throttleStatus: { maximumAvailable: 1000.0, currentlyAvailable: 988, restoreRate: 50.0 },
        },
      },
    };
    const signals = readVendorSignals({ status: 200, headers: { 'x-shopify-shop-api-call-limit': '1/40' }, body }, NOW);
    assert.deepEqual(signals, {
      isRateLimited: false,
      bucket: { available: 988, capacity: 1000, restorePerSecond: 50 },
      graphqlCost: { requestedQueryCost: 52, actualQueryCost: 12, maximumAvailable: 1000, currentlyAvailable: 988, restoreRate: 50 },
    });
  });

  it('Shopify GraphQL THROTTLED (a 200): waits until the refused query cost is restored', () => {
    const body = {
      errors: [
        {
          message: 'Throttled',
          extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
        },
      ],
      extensions: {
        cost: {
          requestedQueryCost: 202,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 2000.0, currentlyAvailable: 114, restoreRate: 100.0 },
        },
      },
    };
    const signals = readVendorSignals({ status: 200, headers: {}, body }, NOW);
    assert.equal(signals.isRateLimited, true);
    // (202 − 114) points at 100 points/s.
    assert.equal(signals.pauseUntil, NOW + 880);
    assert.equal(signals.graphqlCost?.actualQueryCost, undefined);
  });

  it('GitHub: x-ratelimit-* with an epoch-seconds reset, plenty left', () => {
    const signals = readVendorSignals(
      {
        status: 200,
        headers: {
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '4987',
          'x-ratelimit-reset': String(NOW_SECONDS + 3_124),
          'x-ratelimit-used': '13',
          'x-ratelimit-resource': 'core',
        },
        body: {},
      },
      NOW,
    );
    assert.deepEqual(signals, { isRateLimited: false, remaining: 4987, limit: 5000, resetAt: NOW + 3_124_000 });
  });

  it('GitHub: primary limit exhausted (403, remaining 0) pauses until the reset', () => {
    const signals = readVendorSignals(
      {
        status: 403,
        headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_SECONDS + 1_800) },
        body: { message: 'API rate limit exceeded for installation ID 1234567.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
      },
      NOW,
    );
    assert.equal(signals.pauseUntil, NOW + 1_800_000);
  });

  it('GitHub: secondary limit is a 403 with Retry-After', () => {
    const signals = readVendorSignals(
      {
        status: 403,
        headers: { 'retry-after': '60', 'x-ratelimit-remaining': '4200' },
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
      },
      NOW,
    );
    assert.equal(signals.pauseUntil, NOW + 60_000);
  });

  it('Stripe 429 with Retry-After pauses the connection', () => {
    const signals = readVendorSignals(
      {
        status: 429,
        headers: { 'retry-after': '1', 'request-id': 'req_8cZ3pQv1LkS2xW', 'stripe-should-retry': 'true' },
        body: {
          error: {
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly. We recommend an exponential backoff of your requests.',
            type: 'invalid_request_error',
          },
        },
      },
      NOW,
    );
    assert.deepEqual(signals, { isRateLimited: true, pauseUntil: NOW + 1_000 });
  });

  it("Stripe's lock_timeout 429 is about one object, not the connection's rate", () => {
    const body = {
      error: {
        code: 'lock_timeout',
        message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it.',
        type: 'invalid_request_error',
      },
    };
    assert.equal(isRateLimitRefusal(429, body), false);
    assert.deepEqual(readVendorSignals({ status: 429, headers: {}, body }, NOW), { isRateLimited: false });
  });

  it('PayPal 429 RATE_LIMIT_REACHED: refused for rate, no advice on when', () => {
    const signals = readVendorSignals(
      {
        status: 429,
        headers: { 'paypal-debug-id': '8f2a7c1e4b3d9', 'content-type': 'application/json' },
        body: {
          name: 'RATE_LIMIT_REACHED',
          message: 'Too many requests. Blocked due to rate limiting.',
          debug_id: '8f2a7c1e4b3d9',
          information_link: 'https://developer.paypal.com/docs/api/reference/api-responses/#rate-limiting',
        },
      },
      NOW,
    );
    assert.deepEqual(signals, { isRateLimited: true });
  });

  it('Retry-After as an HTTP date', () => {
    const signals = readVendorSignals({ status: 503, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:02:00 GMT' }, body: '' }, NOW);
    assert.equal(signals.pauseUntil, NOW + 120_000);
  });

  it('Retry-After on a success is not a pause', () => {
    assert.equal(readVendorSignals({ status: 202, headers: { 'retry-after': '30' }, body: {} }, NOW).pauseUntil, undefined);
  });

  it('IETF draft RateLimit-* fields with a delta reset', () => {
    const signals = readVendorSignals(
      { status: 200, headers: { 'ratelimit-limit': '100, 100;w=60', 'ratelimit-remaining': '0', 'ratelimit-reset': '30' }, body: {} },
      NOW,
    );
    assert.deepEqual(signals, { isRateLimited: false, remaining: 0, limit: 100, resetAt: NOW + 30_000, pauseUntil: NOW + 30_000 });
  });

  it('IETF draft single RateLimit field, both spellings', () => {
    const older = readVendorSignals({ status: 200, headers: { ratelimit: 'limit=100, remaining=0, reset=5' }, body: {} }, NOW);
    assert.equal(older.pauseUntil, NOW + 5_000);
    const structured = readVendorSignals(
      { status: 200, headers: { ratelimit: '"default";r=3;t=12', 'ratelimit-policy': '"default";q=100;w=60' }, body: {} },
      NOW,
    );
    assert.deepEqual(structured, { isRateLimited: false, remaining: 3, resetAt: NOW + 12_000 });
  });

  it('takes the latest pause when several signals disagree', () => {
    const signals = readVendorSignals(
      { status: 429, headers: { 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '20' }, body: {} },
      NOW,
    );
    assert.equal(signals.pauseUntil, NOW + 20_000);
  });
});

describe('toResetTime', () => {
  it('tells delta seconds, epoch seconds and epoch ms apart', () => {
    assert.equal(toResetTime(42, NOW), NOW + 42_000);
    assert.equal(toResetTime(NOW_SECONDS + 42, NOW), NOW + 42_000);
    assert.equal(toResetTime(NOW + 42_000, NOW), NOW + 42_000);
  });
});
