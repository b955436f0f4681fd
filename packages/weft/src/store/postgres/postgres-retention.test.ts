import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { databaseUrl, scratchSchema, skipWithoutPostgres } from '../../../test/support/postgres.ts';
import { PruneError, type Store } from '../store.ts';
import { clientConfig } from './postgres-access.ts';
import { PRUNE_LOCK_KEY } from './postgres-retention.ts';
import { createPostgresStore, type PostgresStore } from './postgres-store.ts';

const T0 = Date.UTC(2026, 0, 1);
const CUTOFF = T0 + 30 * 86_400_000;

describe('PostgreSQL retention', { skip: skipWithoutPostgres }, () => {
  let schema: ReturnType<typeof scratchSchema>;
  const opened: PostgresStore[] = [];
  const open = async () => {
    const store = await createPostgresStore({ url: databaseUrl!, schema: schema.name, poolSize: 3 });
    opened.push(store);
    return store;
  };
  beforeEach(() => {
    schema = scratchSchema();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await schema.drop();
  });

  async function oldSucceededRuns(store: Store, count: number): Promise<void> {
    for (let n = 1; n <= count; n += 1) {
      const at = T0 + n;
      await store.ingest({
        id: `evt_${n}`,
        runId: `run_${n}`,
        flowId: 'orders',
        dedupeKey: `d${n}`,
        orderingKey: null,
        receivedAt: at,
        event: { id: `evt_${n}`, source: 'webhook', receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body: {} },
      });
      const [run] = await store.claimRuns({ workerId: 'w', now: at, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
      await store.completeRun(run!.id, run!.fence, at + 1);
    }
  }

  it('stops at once, deleting nothing, while another process holds the prune, and prunes once it is free', async () => {
    const store = await open();
    await oldSucceededRuns(store, 3);
    const other = new pg.Client(clientConfig({ url: databaseUrl!, schema: schema.name }));
    await other.connect();
    try {
      await other.query(`BEGIN; SELECT pg_advisory_xact_lock(${PRUNE_LOCK_KEY})`);
      const yielded = await store.retention.prune({ runsFinishedBefore: CUTOFF });
      assert.deepEqual([yielded.yieldedToAnother, yielded.counts.runs], [true, 0]);
      await other.query('COMMIT');
      const pruned = await store.retention.prune({ runsFinishedBefore: CUTOFF });
      assert.deepEqual([pruned.yieldedToAnother, pruned.counts.runs], [false, 3]);
    } finally {
      await other.end();
    }
  });

  it('prunes finished bulk jobs under the same lock: while another process holds it, an old job stays', async () => {
    const store = await open();
    await store.bulkJobs.create({ id: 'job_1', action: 'replay', exceptionIds: [], startedBy: 'ops-ann', now: T0 });
    const other = new pg.Client(clientConfig({ url: databaseUrl!, schema: schema.name }));
    await other.connect();
    try {
      await other.query(`BEGIN; SELECT pg_advisory_xact_lock(${PRUNE_LOCK_KEY})`);
      const yielded = await store.retention.prune({ runsFinishedBefore: CUTOFF });
      assert.deepEqual([yielded.yieldedToAnother, yielded.counts.bulkJobs], [true, 0]);
      assert.ok(await store.bulkJobs.get('job_1'));
      await other.query('COMMIT');
      assert.equal((await store.retention.prune({ runsFinishedBefore: CUTOFF })).counts.bulkJobs, 1);
    } finally {
      await other.end();
    }
  });

  it('fails part-way with what the batches committed before the failure deleted; they stay deleted, the failed batch is undone', async () => {
    const store = await open();
    await oldSucceededRuns(store, 4);
    const other = new pg.Client(clientConfig({ url: databaseUrl!, schema: schema.name }));
    await other.connect();
    try {
      // The second batch fails as it deletes its runs (a disk full, a connection lost).
      await other.query(`
        CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF old.id = 'run_3' THEN RAISE EXCEPTION 'could not extend file: No space left on device'; END IF; RETURN old; END $$;
        CREATE TRIGGER disk_full BEFORE DELETE ON runs FOR EACH ROW EXECUTE FUNCTION disk_full()`);
      const failed = await store.retention.prune({ runsFinishedBefore: CUTOFF, batchSize: 2 }).then(
        () => assert.fail('the prune should fail'),
        (error: unknown) => error,
      );
      assert.ok(failed instanceof PruneError, String(failed));
      assert.match(failed.message, /No space left on device/);
      assert.deepEqual([failed.counts.runs, failed.counts.events], [2, 2]);
      for (const n of [1, 2, 3, 4]) assert.equal((await store.getRun(`run_${n}`)) === undefined, n <= 2, `run_${n}`);
    } finally {
      await other.end();
    }
  });

  it("upgrades through migration 0013 past the retention indexes an operator built beforehand with CONCURRENTLY", async () => {
    const store = await open();
    await oldSucceededRuns(store, 1);
    await store.close();
    opened.splice(0);
    // A database at 0012, its operator having followed the upgrade notes on a large effects table.
    const operator = new pg.Client(clientConfig({ url: databaseUrl!, schema: schema.name }));
    await operator.connect();
    try {
      await operator.query('DROP INDEX effects_run; DROP INDEX exceptions_event; DELETE FROM schema_migrations WHERE version = 13');
      await operator.query('CREATE INDEX CONCURRENTLY effects_run ON effects (run_id)');
      await operator.query('CREATE INDEX CONCURRENTLY exceptions_event ON exceptions (event_id)');

      const upgraded = await open();
      const versions = await operator.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version = 13');
      assert.equal(versions.rowCount, 1, '0013 recorded');
      const indexes = await operator.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN ('effects_run', 'exceptions_event') AND i.indisvalid ORDER BY 1`,
      );
      assert.deepEqual(indexes.rows.map((row) => row.name), ['effects_run', 'exceptions_event']);
      assert.equal((await upgraded.retention.prune({ runsFinishedBefore: CUTOFF })).counts.runs, 1);
    } finally {
      await operator.end();
    }
  });

  it('does not stop for a prune of another store in the same database (another schema)', async () => {
    const store = await open();
    await oldSucceededRuns(store, 2);
    const elsewhere = scratchSchema();
    const other = new pg.Client(clientConfig({ url: databaseUrl!, schema: elsewhere.name }));
    await other.connect();
    try {
      await other.query(`CREATE SCHEMA ${pg.escapeIdentifier(elsewhere.name)}`);
      const [lock] = (await other.query(`BEGIN; SELECT pg_advisory_xact_lock(${PRUNE_LOCK_KEY}) IS NOT NULL AS held`) as unknown as pg.QueryResult[])[1]!.rows;
      assert.equal(lock.held, true, "the other store's prune holds its lock");
      assert.deepEqual((await store.retention.prune({ runsFinishedBefore: CUTOFF })).counts.runs, 2);
    } finally {
      await other.end();
      await elsewhere.drop();
    }
  });

  it('deletes every old run exactly once when two processes prune at once', async () => {
    const first = await open();
    const second = await open();
    await oldSucceededRuns(first, 30);
    const results = await Promise.all([first, second].map((store) => store.retention.prune({ runsFinishedBefore: CUTOFF, batchSize: 3 })));
    assert.equal(results[0]!.counts.runs + results[1]!.counts.runs, 30);
    assert.equal(results[0]!.counts.events + results[1]!.counts.events, 30);
    assert.deepEqual((await first.countRuns()).succeeded, 0);
    // Whichever met the other's batch stopped; a later prune finds nothing left.
    assert.equal((await second.retention.prune({ runsFinishedBefore: CUTOFF })).counts.runs, 0);
  });
});
