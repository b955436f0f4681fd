import type { Reason } from '../../core/exception.ts';
import type { QueueStats, Readiness } from '../store.ts';
import type { PostgresAccess } from './postgres-access.ts';
import { migrationFiles } from './postgres-migrations.ts';

/** Queue gauges and readiness on PostgreSQL: reads only, each one short query. */
export function createPostgresStats({ query, writeFailure }: PostgresAccess): { queueStats(now: number): Promise<QueueStats>; readiness(): Promise<Readiness> } {
  const known = migrationFiles().map((name) => Number(name.slice(0, 4)));
  return {
    queueStats: async (now) => {
      // One round trip: a scrape should not cost the database three.
      const [row] = await query<{
        depths: Array<{ flowId: string; n: number }> | null;
        oldest_due_at: number | null;
        exceptions: Array<{ flowId: string; reason: Reason; count: number }> | null;
      }>(
        `SELECT
          (SELECT json_agg(json_build_object('flowId', flow_id, 'n', n)) FROM (
            SELECT flow_id, count(*) AS n FROM runs WHERE status IN ('queued', 'waiting') GROUP BY flow_id) d) AS depths,
          -- A running run's claimable_at is its lease expiry: one in the past is a dead worker's run, waiting too.
          (SELECT min(claimable_at) FROM runs WHERE claimable_at <= $1) AS oldest_due_at,
          (SELECT json_agg(json_build_object('flowId', flow_id, 'reason', reason, 'count', n)) FROM (
            SELECT flow_id, reason, count(*) AS n FROM exceptions WHERE status = 'open' GROUP BY flow_id, reason) x) AS exceptions`,
        [now],
      );
      return {
        depthByFlow: Object.fromEntries((row?.depths ?? []).map((depth) => [depth.flowId, depth.n])),
        oldestDueAt: row?.oldest_due_at ?? undefined,
        openExceptions: row?.exceptions ?? [],
      };
    },

    readiness: async () => {
      try {
        // After a failover to a standby, or on a read-only role, reads answer and every write fails.
        const [mode] = await query<{ standby: boolean; read_only: boolean }>(
          `SELECT pg_is_in_recovery() AS standby, current_setting('transaction_read_only') = 'on' AS read_only`,
        );
        if (mode?.standby) return { status: 'not-ready', detail: 'the database is a standby in recovery: it refuses writes' };
        if (mode?.read_only) return { status: 'not-ready', detail: 'the database session is read-only (default_transaction_read_only): it refuses writes' };
        const applied = (await query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).map((row) => row.version);
        const missing = known.filter((version) => !applied.includes(version));
        const unknown = applied.filter((version) => !known.includes(version));
        if (missing.length > 0) return { status: 'not-ready', detail: `migrations not applied: ${missing.join(', ')}` };
        if (unknown.length > 0) return { status: 'not-ready', detail: `the database has migrations this version does not know: ${unknown.join(', ')}` };
        if (writeFailure() !== undefined) {
          // A write failed (the disk is full): try one that changes nothing but must be written,
          // so an idle engine, sent no webhooks while not ready, finds out that writes work again.
          await query(`UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)`).catch(() => undefined);
          const failure = writeFailure();
          if (failure !== undefined) return { status: 'not-ready', detail: `writes fail: ${failure}` };
        }
        return { status: 'ready' };
      } catch (error) {
        return { status: 'not-ready', detail: `the store does not answer: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
