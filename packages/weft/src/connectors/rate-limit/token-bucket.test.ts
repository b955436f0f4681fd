import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JITTER_MARGIN, lowerBucket, takeFromBucket, takeFromBuckets, toBucketLimit } from './token-bucket.ts';
import type { BucketLimit, BucketState } from './token-bucket.ts';
import { maxInAnyWindow } from './virtual-time.ts';

const T0 = Date.UTC(2026, 0, 1);

/** Someone asks every millisecond for `durationMs`; returns the send times the bucket allowed. */
function hammer(limit: BucketLimit, durationMs: number, maxWaitMs = 0): number[] {
  let state: BucketState | undefined;
  const sends: number[] = [];
  for (let now = T0; now < T0 + durationMs; now++) {
    const take = takeFromBucket(state, limit, 1, now, maxWaitMs);
    state = take.state;
    if (take.granted) sends.push(now + take.waitMs);
  }
  return sends.sort((a, b) => a - b);
}

describe('takeFromBucket', () => {
  it('starts full, spends, and says exactly when the next token comes', () => {
    const limit = { capacity: 2, refillPerSecond: 4 };
    const first = takeFromBucket(undefined, limit, 1, T0);
    const second = takeFromBucket(first.state, limit, 1, T0);
    const third = takeFromBucket(second.state, limit, 1, T0 + 100);
    assert.deepEqual([first.granted, second.granted, third.granted], [true, true, false]);
    assert.equal(third.waitMs, 150);
    assert.equal(third.state, second.state, 'a refusal changes nothing');
    assert.equal(takeFromBucket(second.state, limit, 1, T0 + 250).granted, true);
  });

  it('charges a request dearer than the bucket as a full bucket instead of refusing it forever', () => {
    const limit = { capacity: 10, refillPerSecond: 5 };
    const spent = takeFromBucket(undefined, limit, 25, T0);
    assert.equal(spent.granted, true);
    assert.deepEqual(takeFromBucket(spent.state, limit, 25, T0), { granted: false, waitMs: 2_000, state: spent.state });
  });

  it('capacity 1 at 10/s keeps every 1-second window at 10 or fewer, to the millisecond', () => {
    const sends = hammer({ capacity: 1, refillPerSecond: 10 }, 10_000);
    assert.equal(sends.length, 100);
    assert.equal(maxInAnyWindow(sends, 1_000), 10);
    assert.deepEqual(sends.slice(0, 3), [T0, T0 + 100, T0 + 200]);
  });

  it('capacity 10 at 10/s lets 19 through in one window, which a sliding-window vendor refuses', () => {
    const sends = hammer({ capacity: 10, refillPerSecond: 10 }, 10_000);
    assert.equal(maxInAnyWindow(sends, 1_000), 19);
  });

  it('keeps the window bound when callers reserve ahead', () => {
    const sends = hammer({ capacity: 1, refillPerSecond: 10 }, 10_000, 250);
    assert.equal(maxInAnyWindow(sends, 1_000), 10);
    assert.equal(new Set(sends).size, sends.length, 'no two reservations share a send time');
  });

  it('holds for non-integral rates: capacity 1 at 2.5/s gives at most 3 per second, 5 per 2 seconds', () => {
    const sends = hammer({ capacity: 1, refillPerSecond: 2.5 }, 20_000);
    assert.equal(maxInAnyWindow(sends, 1_000), 3);
    assert.equal(maxInAnyWindow(sends, 2_000), 5);
  });
});

describe('takeFromBuckets', () => {
  it('charges every bucket at the latest of their ready times', () => {
    const connection = { capacity: 1, refillPerSecond: 10 };
    const endpoint = { capacity: 1, refillPerSecond: 1 };
    const endpointSpent = takeFromBucket(undefined, endpoint, 1, T0).state;
    const take = takeFromBuckets(
      [
        { state: undefined, limit: connection, cost: 1 },
        { state: endpointSpent, limit: endpoint, cost: 1 },
      ],
      T0 + 500,
      600,
    );
    assert.equal(take.granted, true);
    assert.equal(take.waitMs, 500);
    assert.equal(take.at, T0 + 1_000);
    assert.deepEqual(take.states, [
      { tokens: 0, updatedAt: T0 + 1_000 },
      { tokens: 0, updatedAt: T0 + 1_000 },
    ]);
  });
});

describe('lowerBucket', () => {
  it('takes the smaller of our count and the vendor report', () => {
    const limit = { capacity: 40, refillPerSecond: 2 };
    assert.deepEqual(lowerBucket(undefined, limit, 1, T0), { tokens: 1, updatedAt: T0 });
    assert.deepEqual(lowerBucket({ tokens: 3, updatedAt: T0 }, limit, 39, T0 + 1_000), { tokens: 5, updatedAt: T0 + 1_000 });
  });
});

describe('toBucketLimit', () => {
  it('defaults the capacity to 1 so declared rates hold in every window', () => {
    assert.deepEqual(toBucketLimit({ requestsPerSecond: 10 }), { capacity: 1, refillPerSecond: 10 * (1 - JITTER_MARGIN) });
    assert.deepEqual(toBucketLimit({ requestsPerSecond: 2, burst: 40 }), { capacity: 40, refillPerSecond: 2 * (1 - JITTER_MARGIN) });
    assert.equal(toBucketLimit({ concurrency: 4 }), undefined);
  });
});
