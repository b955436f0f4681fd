import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RETRY_AFTER_MS } from '@weft/sdk';
import type { Clock } from '../../core/clock.ts';
import type { RateLimitState } from './rate-limit-state.ts';

const T0 = Date.UTC(2026, 0, 1);
const TEN_PER_SECOND = { capacity: 1, refillPerSecond: 10 };
const at = (ms: number): Clock => ({ now: () => ms });

/** The shared budget's behaviour: every RateLimitState implementation runs this suite unchanged. */
export function runRateLimitStateContract(name: string, open: () => Promise<RateLimitState>): void {
  describe(`rate limit state contract: ${name}`, () => {
    it('spends a fresh bucket, then says when the next token is there', async () => {
      const state = await open();
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0)), { granted: true, at: T0 });
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 40)), { granted: false, at: T0 + 100 });
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 100)), { granted: true, at: T0 + 100 });
    });

    it('reserves within maxWaitMs and queues later takes behind the reservation', async () => {
      const state = await open();
      await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0));
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 10), 250), { granted: true, at: T0 + 100 });
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 10), 250), { granted: true, at: T0 + 200 });
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 10)), { granted: false, at: T0 + 300 });
    });

    it('reads the clock when it holds the buckets: takes that queue reserve from their own turn, never from the past', async () => {
      const state = await open();
      // Each reading is a second after the last, as if every take had waited a second for the one before.
      let reading = T0 - 1_000;
      const slowTurns: Clock = { now: () => (reading += 1_000) };
      const takes = await Promise.all(Array.from({ length: 5 }, () => state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], slowTurns, 250)));
      assert.deepEqual(takes.map((take) => take.at).sort((a, b) => a - b), [T0, T0 + 1_000, T0 + 2_000, T0 + 3_000, T0 + 4_000]);
      assert.ok(takes.every((take) => take.granted));
    });

    it('charges several buckets all or none', async () => {
      const state = await open();
      const slow = { capacity: 1, refillPerSecond: 1 };
      await state.take([{ key: 'c/orders', limit: slow, cost: 1 }], at(T0));
      const refused = await state.take(
        [
          { key: 'c', limit: TEN_PER_SECOND, cost: 1 },
          { key: 'c/orders', limit: slow, cost: 1 },
        ],
        at(T0 + 1),
      );
      assert.deepEqual(refused, { granted: false, at: T0 + 1_000 });
      // The connection bucket was not charged by the refused take.
      assert.deepEqual(await state.take([{ key: 'c', limit: TEN_PER_SECOND, cost: 1 }], at(T0 + 1)), { granted: true, at: T0 + 1 });
    });

    it('keeps buckets apart by key', async () => {
      const state = await open();
      await state.take([{ key: 'a', limit: TEN_PER_SECOND, cost: 1 }], at(T0));
      assert.equal((await state.take([{ key: 'b', limit: TEN_PER_SECOND, cost: 1 }], at(T0))).granted, true);
    });

    it('lowers a bucket to what the vendor reports and never raises it', async () => {
      const state = await open();
      const shopify = { capacity: 40, refillPerSecond: 2 };
      await state.lowerBucket('shop', shopify, 1, T0);
      assert.deepEqual(await state.take([{ key: 'shop', limit: shopify, cost: 1 }], at(T0)), { granted: true, at: T0 });
      assert.deepEqual(await state.take([{ key: 'shop', limit: shopify, cost: 1 }], at(T0)), { granted: false, at: T0 + 500 });
      await state.lowerBucket('shop', shopify, 30, T0);
      assert.deepEqual(await state.take([{ key: 'shop', limit: shopify, cost: 1 }], at(T0)), { granted: false, at: T0 + 500 });
    });

    it('keeps the longest pause', async () => {
      const state = await open();
      assert.equal(await state.pausedUntil('c'), undefined);
      await state.pauseUntil('c', T0 + 60_000, T0);
      await state.pauseUntil('c', T0 + 5_000, T0);
      assert.equal(await state.pausedUntil('c'), T0 + 60_000);
      assert.equal(await state.pausedUntil('other'), undefined);
    });

    it('replaces a stored pause further off than MAX_RETRY_AFTER_MS from now, which no reader honours, and keeps one at it', async () => {
      const state = await open();
      // As an older Weft, or one from before the cap, left it: a year away.
      await state.pauseUntil('c', T0 + 365 * MAX_RETRY_AFTER_MS, T0);
      await state.pauseUntil('c', T0 + 30_000, T0);
      assert.equal(await state.pausedUntil('c'), T0 + 30_000, "the vendor's Retry-After, not the year nobody honours");

      await state.pauseUntil('edge', T0 + MAX_RETRY_AFTER_MS + 1, T0);
      await state.pauseUntil('edge', T0 + 5_000, T0 + 1);
      assert.equal(await state.pausedUntil('edge'), T0 + MAX_RETRY_AFTER_MS + 1, 'a day from now is honoured: pauses only grow');
      await state.pauseUntil('edge', T0 + 5_000, T0);
      assert.equal(await state.pausedUntil('edge'), T0 + 5_000, 'a millisecond past a day is not');
    });

    it('leases concurrency slots and frees them on release or expiry', async () => {
      const state = await open();
      const slot = (holder: string, now: number) => state.acquireSlot('c', { capacity: 2, holder, now, leaseMs: 1_000 });
      assert.deepEqual(await slot('w1', T0), { acquired: true });
      assert.deepEqual(await slot('w2', T0 + 100), { acquired: true });
      assert.deepEqual(await slot('w3', T0 + 200), { acquired: false, freeAt: T0 + 1_000 });
      await state.releaseSlot('c', 'w2');
      assert.deepEqual(await slot('w3', T0 + 300), { acquired: true });
      // w1 died without releasing: its lease runs out.
      assert.deepEqual(await slot('w4', T0 + 999), { acquired: false, freeAt: T0 + 1_000 });
      assert.deepEqual(await slot('w4', T0 + 1_000), { acquired: true });
    });
  });
}
