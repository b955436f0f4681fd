import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runStoreContract } from '../store.contract.ts';
import { runVaultStorageContract } from '../../connectors/vault/vault-storage.contract.ts';
import { runRateLimitStateContract } from '../../connectors/rate-limit/rate-limit-state.contract.ts';
import type { StoreHarness } from '../store.contract.ts';
import { StoreUnavailableError } from '../store.ts';
import { createSqliteStore } from './sqlite-store.ts';
import type { SqliteStore, SqliteStoreOptions } from './sqlite-store.ts';
import { testEvent } from '../testing-events.ts';

const T0 = Date.UTC(2026, 0, 1);

async function openTempStore(options: Partial<SqliteStoreOptions> = {}): Promise<StoreHarness & { store: SqliteStore; path: string; reopen: () => Promise<SqliteStore> }> {
  const dir = await mkdtemp(join(tmpdir(), 'weft-sqlite-'));
  const path = join(dir, 'weft.db');
  const opened: SqliteStore[] = [];
  const openStore = (): SqliteStore => {
    const store = createSqliteStore({ path, ...options });
    opened.push(store);
    return store;
  };
  return {
    store: openStore(),
    path,
    reopen: async () => openStore(),
    cleanup: async () => {
      for (const store of opened) await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes to `path` until the file system has no room left. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk = Buffer.alloc(4096); ; ) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

/** Whether this process may mount a tmpfs (root, outside a locked-down container): how a test fills a disk for real. */
function canMountTmpfs(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'weft-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

runStoreContract('sqlite', () => openTempStore());

describe('sqlite store', () => {
  let harness: Awaited<ReturnType<typeof openTempStore>>;
  afterEach(async () => {
    await harness.cleanup();
  });

  it('names the file and what to do about it when the database does not open', async () => {
    harness = await openTempStore();
    const notADatabase = join(harness.path, '..', 'notes.db');
    await writeFile(notADatabase, 'these are my notes, not a database, and they are long enough');
    assert.throws(() => createSqliteStore({ path: notADatabase }), {
      message: `cannot open the SQLite database ${notADatabase}: SQLITE_NOTADB: file is not a database (the file is not a Weft database or is damaged; restore it from a backup)`,
    });
  });

  describe('with another connection holding the write lock', () => {
    beforeEach(async () => {
      harness = await openTempStore({ busyTimeoutMs: 50 });
    });

    it('rejects writes as unavailable, writes nothing of them, and recovers once the lock is gone', async () => {
      const { store, path } = harness;
      const rejected = testEvent();
      const other = new Database(path);
      try {
        other.exec('BEGIN EXCLUSIVE');
        await assert.rejects(store.ingest(rejected), StoreUnavailableError);
        // Reads still answer, but /readyz must not say ready while nothing can be acknowledged.
        const readiness = await store.readiness!();
        assert.equal(readiness.status, 'not-ready');
        assert.match(readiness.status === 'not-ready' ? readiness.detail : '', /could not commit: SQLITE_BUSY/);
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      const accepted = testEvent();
      assert.equal((await store.ingest(accepted)).status, 'accepted');
      assert.deepEqual(await store.readiness!(), { status: 'ready' });
      assert.equal(await store.getRun(rejected.runId), undefined);
      assert.equal((await store.countRuns()).queued, 1);
    });
  });

  describe('on a disk that fills up', { skip: canMountTmpfs() ? false : 'needs root to mount a small tmpfs' }, () => {
    let mountDir: string;
    beforeEach(async () => {
      mountDir = await mkdtemp(join(tmpdir(), 'weft-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountDir]);
    });
    afterEach(async () => {
      // The store's files are on the mount: closed first, or it is busy.
      await harness.cleanup();
      harness = { ...harness, cleanup: async () => {} };
      execFileSync('umount', [mountDir]);
      rmSync(mountDir, { recursive: true, force: true });
    });

    it('stays not ready while the disk is full, though a transaction that writes nothing commits, and is ready again once room is made', async () => {
      const path = join(mountDir, 'weft.db');
      const store = createSqliteStore({ path });
      harness = { store, path, reopen: async () => store, cleanup: () => store.close() };
      // Room to give back later, as an operator deleting old logs would.
      writeFileSync(join(mountDir, 'old.log'), Buffer.alloc(1024 * 1024));
      let refused: unknown;
      for (let n = 0; n < 10_000 && refused === undefined; n++) {
        const event = testEvent();
        await store.ingest({ ...event, event: { ...event.event, body: { n, pad: 'x'.repeat(4_000) } } }).catch((error: unknown) => (refused = error));
      }
      assert.ok(refused instanceof StoreUnavailableError, `the disk filled up: ${String(refused)}`);
      assert.match(String((refused as Error).message), /SQLITE_FULL/);
      // Whatever room is left goes too (a log growing beside the database).
      fillUp(join(mountDir, 'filler'));
      const full = await store.readiness!();
      assert.equal(full.status, 'not-ready');
      assert.match(full.status === 'not-ready' ? full.detail : '', /SQLITE_FULL.*; 0 KiB free on the database's disk/);
      // A worker's look for due runs that finds none commits an empty transaction, even on a full disk.
      assert.deepEqual(await store.claimRuns({ workerId: 'w', now: T0, leaseMs: 1_000, limit: 1, flowIds: ['no-such-flow'], flowConcurrency: {} }), []);
      const stillFull = await store.readiness!();
      assert.equal(stillFull.status, 'not-ready', 'an empty commit does not prove that writes work again');
      await assert.rejects(store.ingest(testEvent()), StoreUnavailableError);

      rmSync(join(mountDir, 'old.log'));
      rmSync(join(mountDir, 'filler'));
      assert.deepEqual(await store.readiness!(), { status: 'ready' }, 'readiness finds out by itself, with no webhook sent meanwhile');
      assert.equal((await store.ingest(testEvent())).status, 'accepted');
    });
  });

  it('opens an up-to-date database while another process holds the write lock (a listing beside a busy engine)', async () => {
    harness = await openTempStore();
    const other = new Database(harness.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const reader = createSqliteStore({ path: harness.path, busyTimeoutMs: 3000 });
      try {
        assert.ok(performance.now() - started < 1000, 'it did not wait for the lock');
        assert.deepEqual(await reader.countRuns(), { queued: 0, running: 0, waiting: 0, succeeded: 0, exception: 0 });
      } finally {
        await reader.close();
      }
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('waits for a lock held elsewhere without blocking the event loop, then commits', async () => {
    harness = await openTempStore({ busyTimeoutMs: 3000 });
    const { store, path } = harness;
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => {
      other.exec('ROLLBACK');
      other.close();
    }, 400);
    // The loop's longest stall while the ingest waits: SQLite's busy handler used to sleep on it for the whole wait.
    let longestGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    try {
      const started = performance.now();
      assert.equal((await store.ingest(testEvent())).status, 'accepted');
      assert.ok(performance.now() - started >= 350, 'it waited for the lock');
      assert.ok(longestGap < 150, `the event loop stalled for ${Math.round(longestGap)} ms`);
    } finally {
      clearInterval(ticker);
    }
  });

  describe('group commit', () => {
    it('commits many concurrent writes in a few transactions', async () => {
      harness = await openTempStore();
      const { store } = harness;
      const before = store.commitCount();
      const outcomes = await Promise.all(Array.from({ length: 500 }, () => store.ingest(testEvent())));
      assert.ok(outcomes.every((outcome) => outcome.status === 'accepted'));
      const commits = store.commitCount() - before;
      assert.ok(commits >= 1 && commits <= 5, `500 ingests took ${commits} commits`);
    });

    it('undoes only the write that failed halfway through, and commits the rest of its batch once', async () => {
      harness = await openTempStore();
      const { store } = harness;
      const first = testEvent();
      // Same run id, another dedupe key: its event row is inserted before its run row fails.
      const clashing = { ...testEvent(), runId: first.runId };
      const before = store.commitCount();
      const [accepted, failed] = await Promise.allSettled([store.ingest(first), store.ingest(clashing)]);
      assert.equal(accepted.status === 'fulfilled' && accepted.value.status, 'accepted');
      assert.equal(failed.status, 'rejected');
      assert.equal(store.commitCount() - before, 1);
      const retried = await store.ingest({ ...clashing, runId: `${clashing.runId}-2` });
      assert.equal(retried.status, 'accepted', 'the failed write left no event row behind');
    });

    it('with a delay, batches writes that arrive on later turns of the event loop', async () => {
      harness = await openTempStore({ groupCommitDelayMs: 50 });
      const { store } = harness;
      const first = store.ingest(testEvent());
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = store.ingest(testEvent());
      await Promise.all([first, second]);
      assert.equal(store.commitCount(), 1);
    });

    it("a run's record of what already happened waits for the next commit someone waits on, and shares it", async () => {
      harness = await openTempStore();
      const { store } = harness;
      const started = testEvent();
      const outcome = await store.ingest(started, { workerId: 'w1', leaseMs: 60_000 });
      assert.ok(outcome.status === 'accepted' && outcome.claimed !== undefined);
      const before = store.commitCount();
      const checkpointed = store.checkpoint(started.runId, outcome.claimed.fence, { path: 'toErp', output: { a: 1 }, outcome: 'done' }, { now: T0 + 1 });
      await new Promise((resolve) => setTimeout(resolve, 1)); // a later turn of the event loop
      const ingested = store.ingest(testEvent());
      await Promise.all([checkpointed, ingested]);
      assert.equal(store.commitCount() - before, 1, 'the checkpoint and the ingest shared one commit');
      assert.deepEqual((await store.getRun(started.runId))?.checkpoints.map((c) => c.path), ['toErp']);

      // Alone, it still commits, a few milliseconds later.
      const completed = store.completeRun(started.runId, outcome.claimed.fence, T0 + 2);
      await Promise.race([completed, new Promise((_, reject) => setTimeout(() => reject(new Error('not committed within 1 s')), 1_000))]);
      assert.equal(store.commitCount() - before, 2);
      assert.equal((await store.getRun(started.runId))?.status, 'succeeded');
    });

    it('commits queued writes on close, then refuses new ones', async () => {
      harness = await openTempStore();
      const event = testEvent();
      const pending = harness.store.ingest(event);
      await harness.store.close();
      assert.equal((await pending).status, 'accepted');
      await assert.rejects(harness.store.ingest(testEvent()), StoreUnavailableError);
      await assert.rejects(harness.store.getRun(event.runId), StoreUnavailableError);
      const reopened = await harness.reopen();
      assert.equal((await reopened.getRun(event.runId))?.status, 'queued');
    });
  });

  describe('reopening', () => {
    it('keeps runs, checkpoints, effects and exceptions, and applies migrations once', async () => {
      harness = await openTempStore({ synchronous: 'normal' });
      const { store, path } = harness;
      const event = testEvent();
      await store.ingest(event);
      const [run] = await store.claimRuns({ workerId: 'w', now: T0, leaseMs: 1000, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
      assert.ok(run);
      await store.checkpoint(run.id, run.fence, { path: 'post', output: { id: 9 }, outcome: 'done' }, { effectKey: 'weft-key', now: T0 + 1 });
      const exceptionId = await store.parkException(run.id, run.fence, {
        reason: 'bug',
        message: 'The mapping threw.',
        stepPath: 'map',
        input: null,
        lastResponse: undefined,
        now: T0 + 2,
      });
      await store.close();

      const reopened = await harness.reopen();
      const detail = await reopened.getRun(run.id);
      assert.equal(detail?.status, 'exception');
      assert.deepEqual(detail?.checkpoints, [{ path: 'post', output: { id: 9 }, outcome: 'done' }]);
      assert.equal((await reopened.getEffect('weft-key'))?.status, 'done');
      assert.equal((await reopened.getException(exceptionId))?.status, 'open');

      const inspector = new Database(path, { readonly: true });
      try {
        const files = readdirSync(new URL('./migrations/', import.meta.url)).filter((name) => name.endsWith('.sql')).sort();
        assert.deepEqual(
          inspector.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all(),
          files,
          'every migration applied exactly once',
        );
        assert.equal(inspector.pragma('journal_mode', { simple: true }), 'wal');
      } finally {
        inspector.close();
      }
    });

    it('refuses a database a newer Weft migrated, and leaves it as it was', async () => {
      harness = await openTempStore();
      const { path } = harness;
      await harness.store.close();
      const writer = new Database(path);
      writer.prepare('INSERT INTO schema_migrations (version, name) VALUES (9999, ?)').run('9999-from-the-future.sql');
      writer.close();
      await assert.rejects(harness.reopen(), /the database schema is at migration 9999, newer than this Weft knows/);
      const inspector = new Database(path, { readonly: true });
      try {
        assert.equal(inspector.prepare('SELECT max(version) FROM schema_migrations').pluck().get(), 9999);
      } finally {
        inspector.close();
      }
    });
  });
});

runVaultStorageContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-vault-'));
  return createSqliteStore({ path: join(dir, 'weft.db') }).secrets;
});

runRateLimitStateContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-limits-'));
  return createSqliteStore({ path: join(dir, 'weft.db') }).rateLimits;
});
