import { pauseHorizon, type RateLimitState } from '../../connectors/rate-limit/rate-limit-state.ts';
import { lowerBucket, takeFromBuckets, type BucketState } from '../../connectors/rate-limit/token-bucket.ts';
import type { PostgresAccess, PostgresTx } from './postgres-access.ts';

const lockName = (key: string) => `weft:rate:${key}`;

/**
 * The rate-limit budget on PostgreSQL, shared by every worker process on the database. A
 * read-modify-write holds the advisory lock of each key it touches for its transaction, so two
 * processes never both spend the last token or take the last slot — also for a key that has no
 * row yet, which a row lock could not cover.
 */
export function createPostgresRateLimitState({ query, transaction }: PostgresAccess): RateLimitState {
  async function bucketsOf(tx: PostgresTx, keys: readonly string[]): Promise<Map<string, BucketState>> {
    const rows = await tx.query<{ key: string; tokens: number; updated_at: number }>('SELECT key, tokens, updated_at FROM rate_buckets WHERE key = ANY($1)', [keys]);
    return new Map(rows.map((row) => [row.key, { tokens: row.tokens, updatedAt: row.updated_at }]));
  }
  async function saveBuckets(tx: PostgresTx, entries: ReadonlyArray<[string, BucketState]>): Promise<void> {
    await tx.query(
      `INSERT INTO rate_buckets (key, tokens, updated_at) SELECT * FROM unnest($1::text[], $2::float8[], $3::bigint[])
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at`,
      [entries.map(([key]) => key), entries.map(([, state]) => state.tokens), entries.map(([, state]) => state.updatedAt)],
    );
  }

  return {
    take: (charges, clock, maxWaitMs = 0) =>
      transaction(async (tx) => {
        const states = await bucketsOf(tx, charges.map((charge) => charge.key));
        // Read with the locks held: the wait for them must not make the reservation stale.
        const result = takeFromBuckets(
          charges.map((charge) => ({ state: states.get(charge.key), limit: charge.limit, cost: charge.cost })),
          clock.now(),
          maxWaitMs,
        );
        if (result.granted && charges.length > 0) await saveBuckets(tx, charges.map((charge, index) => [charge.key, result.states[index]!]));
        return { granted: result.granted, at: result.at };
      }, charges.map((charge) => lockName(charge.key))),

    lowerBucket: (key, limit, available, now) =>
      transaction(async (tx) => {
        const states = await bucketsOf(tx, [key]);
        await saveBuckets(tx, [[key, lowerBucket(states.get(key), limit, available, now)]]);
      }, [lockName(key)]),

    pauseUntil: async (key, until, now) => {
      // A stored pause past the horizon is one no reader honours (an older Weft's): replaced, not kept.
      await query(
        `INSERT INTO rate_pauses (key, until) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET until = CASE WHEN rate_pauses.until > $3 THEN excluded.until ELSE GREATEST(rate_pauses.until, excluded.until) END`,
        [key, until, pauseHorizon(now)],
      );
    },

    pausedUntil: async (key) => (await query<{ until: number }>('SELECT until FROM rate_pauses WHERE key = $1', [key]))[0]?.until,

    acquireSlot: (key, { capacity, holder, now, leaseMs }) =>
      transaction(async (tx) => {
        await tx.query('DELETE FROM rate_slots WHERE key = $1 AND expires_at <= $2', [key, now]);
        const [taken] = await tx.query<{ taken: number; free_at: number | null; mine: boolean }>(
          'SELECT count(*) AS taken, min(expires_at) AS free_at, coalesce(bool_or(holder = $2), false) AS mine FROM rate_slots WHERE key = $1',
          [key, holder],
        );
        if (taken !== undefined && taken.taken >= capacity && !taken.mine) return { acquired: false as const, freeAt: taken.free_at ?? now };
        await tx.query(
          'INSERT INTO rate_slots (key, holder, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key, holder) DO UPDATE SET expires_at = excluded.expires_at',
          [key, holder, now + leaseMs],
        );
        return { acquired: true as const };
      }, [lockName(key)]),

    releaseSlot: async (key, holder) => {
      await query('DELETE FROM rate_slots WHERE key = $1 AND holder = $2', [key, holder]);
    },
  };
}
