import { pauseHorizon, type RateLimitState } from '../../connectors/rate-limit/rate-limit-state.ts';
import { lowerBucket, takeFromBuckets, type BucketState } from '../../connectors/rate-limit/token-bucket.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

/**
 * The rate-limit budget on SQLite. Each method is one closure on the write queue, so one
 * transaction: two workers can never both spend the last token or take the last slot.
 */
export function createSqliteRateLimitState({ sql, write, read }: SqliteAccess): RateLimitState {
  const bucketOf = (key: string): BucketState | undefined =>
    sql('SELECT tokens, updated_at AS updatedAt FROM rate_buckets WHERE key = ?').get(key) as BucketState | undefined;
  const saveBucket = (key: string, state: BucketState) =>
    sql(`
      INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`).run(key, state.tokens, state.updatedAt);

  return {
    take: (charges, clock, maxWaitMs = 0) =>
      write(() => {
        // Read here, on the write queue: a take queued behind others reserves from its own turn.
        const result = takeFromBuckets(
          charges.map((charge) => ({ state: bucketOf(charge.key), limit: charge.limit, cost: charge.cost })),
          clock.now(),
          maxWaitMs,
        );
        if (result.granted) charges.forEach((charge, index) => saveBucket(charge.key, result.states[index]!));
        return { granted: result.granted, at: result.at };
      }),
    lowerBucket: (key, limit, available, now) =>
      write(() => {
        saveBucket(key, lowerBucket(bucketOf(key), limit, available, now));
      }),
    pauseUntil: (key, until, now) =>
      write(() => {
        // A stored pause past the horizon is one no reader honours (an older Weft's): replaced, not kept.
        sql(`
          INSERT INTO rate_pauses (key, until) VALUES (@key, @until)
          ON CONFLICT (key) DO UPDATE SET until = CASE WHEN until > @horizon THEN excluded.until ELSE max(until, excluded.until) END`).run({ key, until, horizon: pauseHorizon(now) });
      }),
    pausedUntil: (key) => read(() => (sql('SELECT until FROM rate_pauses WHERE key = ?').pluck().get(key) as number | undefined) ?? undefined),
    acquireSlot: (key, { capacity, holder, now, leaseMs }) =>
      write(() => {
        sql('DELETE FROM rate_slots WHERE key = ? AND expires_at <= ?').run(key, now);
        const { taken, freeAt, mine } = sql(`
          SELECT count(*) AS taken, min(expires_at) AS freeAt, coalesce(max(holder = @holder), 0) AS mine
          FROM rate_slots WHERE key = @key`).get({ key, holder }) as { taken: number; freeAt: number | null; mine: number };
        if (taken >= capacity && mine === 0) return { acquired: false as const, freeAt: freeAt ?? now };
        sql(`
          INSERT INTO rate_slots (key, holder, expires_at) VALUES (?, ?, ?)
          ON CONFLICT (key, holder) DO UPDATE SET expires_at = excluded.expires_at`).run(key, holder, now + leaseMs);
        return { acquired: true as const };
      }),
    releaseSlot: (key, holder) =>
      write(() => {
        sql('DELETE FROM rate_slots WHERE key = ? AND holder = ?').run(key, holder);
      }),
  };
}
