import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { migrationFiles } from './postgres-migrations.ts';
import type { PostgresAccess } from './postgres-access.ts';
import { createPostgresStats } from './postgres-stats.ts';

/** The server's answers, by statement; the SQL itself runs against a real server in postgres-store.test.ts. */
function answering(mode: { standby: boolean; read_only: boolean }): PostgresAccess {
  const versions = migrationFiles().map((name) => ({ version: Number(name.slice(0, 4)) }));
  return {
    query: async <R>(text: string) => (text.includes('pg_is_in_recovery') ? [mode] : versions) as R[],
    writeFailure: () => undefined,
  } as unknown as PostgresAccess;
}

describe('postgres readiness', () => {
  it('is ready on a primary that takes writes and has this version’s migrations', async () => {
    assert.deepEqual(await createPostgresStats(answering({ standby: false, read_only: false })).readiness(), { status: 'ready' });
  });

  it('is not ready on a standby (after a failover) or a read-only session: reads answer, writes would not', async () => {
    assert.deepEqual(await createPostgresStats(answering({ standby: true, read_only: true })).readiness(), {
      status: 'not-ready',
      detail: 'the database is a standby in recovery: it refuses writes',
    });
    assert.deepEqual(await createPostgresStats(answering({ standby: false, read_only: true })).readiness(), {
      status: 'not-ready',
      detail: 'the database session is read-only (default_transaction_read_only): it refuses writes',
    });
  });
});
