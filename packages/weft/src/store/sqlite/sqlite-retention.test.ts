import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PruneError, type NewEvent } from '../store.ts';
import { createSqliteStore, type SqliteStore } from './sqlite-store.ts';
import { testEvent } from '../testing-events.ts';

const T0 = Date.UTC(2026, 0, 1);
const CUTOFF = T0 + 30 * 86_400_000;

describe('SQLite retention', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-retention-'));
    path = join(dir, 'weft.db');
    store = createSqliteStore({ path });
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function succeededRun(): Promise<NewEvent> {
    const event = testEvent();
    await store.ingest(event);
    const [run] = await store.claimRuns({ workerId: 'w', now: T0, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
    await store.completeRun(event.runId, run!.fence, T0 + 1);
    return event;
  }

  it('keeps an event and its runs while one of its runs must stay, and prunes them together once none must', async () => {
    // The port makes one run per event; the schema allows more, so the prune must not orphan a run's event.
    const event = await succeededRun();
    const writer = new Database(path);
    try {
      writer
        .prepare(`INSERT INTO runs (id, flow_id, event_id, status, due_at, claimable_at, created_at, updated_at) VALUES ('run_second', 'orders', ?, 'queued', ?, ?, ?, ?)`)
        .run(event.id, T0, CUTOFF + 1, T0, T0);
      assert.equal((await store.retention.prune({ runsFinishedBefore: CUTOFF })).counts.runs, 0);
      assert.ok(await store.getRun(event.runId));

      writer.prepare(`UPDATE runs SET status = 'succeeded', claimable_at = NULL, finished_at = ? WHERE id = 'run_second'`).run(T0 + 2);
      const { counts } = await store.retention.prune({ runsFinishedBefore: CUTOFF });
      assert.deepEqual([counts.runs, counts.events], [2, 1]);
    } finally {
      writer.close();
    }
  });

  it('fails part-way with what the batches committed before the failure deleted; they stay deleted, the failed batch is undone', async () => {
    const events = [];
    for (let index = 0; index < 4; index += 1) events.push(await succeededRun());
    const writer = new Database(path);
    try {
      // The disk fills while the second batch deletes its runs.
      writer.exec(`CREATE TRIGGER disk_full BEFORE DELETE ON runs WHEN old.id = '${events[2]!.runId}' BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
      const failed = await store.retention.prune({ runsFinishedBefore: CUTOFF, batchSize: 2 }).then(
        () => assert.fail('the prune should fail'),
        (error: unknown) => error,
      );
      assert.ok(failed instanceof PruneError, String(failed));
      assert.match(failed.message, /database or disk is full/);
      assert.deepEqual([failed.counts.runs, failed.counts.events, failed.counts.calls], [2, 2, 0]);
      for (const [index, event] of events.entries()) assert.equal((await store.getRun(event.runId)) === undefined, index < 2, event.runId);
    } finally {
      writer.close();
    }
  });

  it('commits each batch on its own: an ingest queued while a prune runs commits before the prune ends', async () => {
    for (let index = 0; index < 6; index += 1) await succeededRun();
    const commitsBefore = store.commitCount();
    const finished: string[] = [];
    const pruning = store.retention.prune({ runsFinishedBefore: CUTOFF, batchSize: 2 }).then((result) => {
      finished.push('prune');
      return result;
    });
    const ingesting = store.ingest(testEvent({ receivedAt: CUTOFF })).then(() => finished.push('ingest'));
    await Promise.all([pruning, ingesting]);
    assert.deepEqual(finished, ['ingest', 'prune']);
    assert.equal((await pruning).counts.runs, 6);
    assert.ok(store.commitCount() - commitsBefore >= 3, `${store.commitCount() - commitsBefore} commits`);
  });

  it("finds a batch's effects and an event's exceptions through indexes, not by scanning the tables", () => {
    const inspector = new Database(path, { readonly: true });
    try {
      const plan = (statement: string) =>
        (inspector.prepare(`EXPLAIN QUERY PLAN ${statement}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');
      assert.match(plan(`SELECT key FROM effects WHERE run_id IN (SELECT value FROM json_each('["run_1"]'))`), /SEARCH effects USING (COVERING )?INDEX effects_run/);
      // What the foreign key's check reads for each deleted event.
      assert.match(plan(`SELECT 1 FROM exceptions WHERE event_id = 'evt_1'`), /SEARCH exceptions USING (COVERING )?INDEX exceptions_event/);
    } finally {
      inspector.close();
    }
  });
});
