import { readdirSync } from 'node:fs';
import type { Reason } from '../../core/exception.ts';
import type { QueueStats, Readiness } from '../store.ts';
import type { SqliteAccess } from './sqlite-connections.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** After a failed write, less room than this on the disk is not ready: no room for a batch of webhooks. */
const MIN_FREE_DISK_BYTES = 1024 * 1024;

/** The versions of the migration files this code ships: what a current database has applied. */
function knownMigrationVersions(): number[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((name) => /^\d{4}-[a-z0-9-]+\.sql$/.test(name))
    .map((name) => Number(name.slice(0, 4)))
    .sort((a, b) => a - b);
}

/** Queue gauges and readiness on SQLite: short queries over indexes; readiness writes only to find out whether writes work again. */
export function createSqliteStats({ sql, read, write, writeFailure, freeDiskBytes }: SqliteAccess): { queueStats(now: number): Promise<QueueStats>; readiness(): Promise<Readiness> } {
  const known = knownMigrationVersions();
  return {
    queueStats: (now) =>
      read(() => {
        const depths = sql(`SELECT flow_id AS flowId, count(*) AS n FROM runs WHERE status IN ('queued', 'waiting') GROUP BY flow_id`).all() as Array<{
          flowId: string;
          n: number;
        }>;
        // claimable_at is a queued or waiting run's due time and a running run's lease expiry: a lease
        // in the past is a dead worker's run, due for takeover and waiting like the others.
        const oldestDueAt = sql('SELECT min(claimable_at) FROM runs WHERE claimable_at <= ?').pluck().get(now) as
          | number
          | null;
        const exceptions = sql(`SELECT flow_id AS flowId, reason, count(*) AS count FROM exceptions WHERE status = 'open' GROUP BY flow_id, reason`).all() as Array<{
          flowId: string;
          reason: Reason;
          count: number;
        }>;
        return {
          depthByFlow: Object.fromEntries(depths.map((row) => [row.flowId, row.n])),
          oldestDueAt: oldestDueAt ?? undefined,
          openExceptions: exceptions,
        };
      }),

    readiness: async () => {
      // Reads still answer when the disk is full or another process holds the lock; writes do not,
      // and without them no webhook can be acknowledged.
      if (writeFailure() !== undefined) {
        // On a nearly full disk a one-row write can still fit where a webhook's does not (in room the
        // failed batch left in the WAL): the disk's free space decides first.
        const free = freeDiskBytes();
        if (free !== undefined && free < MIN_FREE_DISK_BYTES) return { status: 'not-ready', detail: `${writeFailure()}; ${Math.floor(free / 1024)} KiB free on the database's disk` };
        // Then a write that changes a row but nothing else, so an idle engine, sent no webhooks while
        // not ready, finds out that writes work again.
        await write(() => sql('UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT max(version) FROM schema_migrations)').run()).catch(() => undefined);
        const failure = writeFailure();
        if (failure !== undefined) return { status: 'not-ready', detail: failure };
      }
      try {
        return await read(() => {
          const applied = sql('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
          const missing = known.filter((version) => !applied.includes(version));
          const unknown = applied.filter((version) => !known.includes(version));
          if (missing.length > 0) return { status: 'not-ready', detail: `migrations not applied: ${missing.join(', ')}` } as const;
          if (unknown.length > 0) return { status: 'not-ready', detail: `the database has migrations this version does not know: ${unknown.join(', ')}` } as const;
          return { status: 'ready' } as const;
        });
      } catch (error) {
        return { status: 'not-ready', detail: `the store does not answer: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}
