import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, SEED_TIME, seedStore, tempDir } from '../testing.ts';

/**
 * The seed's succeeded run: its event, two checkpoints and one call; and the bulk job of one item
 * that seedWithFinishedJob adds. Its two open exceptions stay, calls included.
 */
const SEEDED_SUCCESS = { runs: 1, events: 1, checkpoints: 2, effects: 0, exceptions: 0, xrefCreations: 0, calls: 1, bulkJobs: 1, bulkJobItems: 1 };
const NOTHING = { runs: 0, events: 0, checkpoints: 0, effects: 0, exceptions: 0, xrefCreations: 0, calls: 0, bulkJobs: 0, bulkJobItems: 0 };

/** The seed, with a bulk replay of one of its exceptions that finished when the seed's runs did. */
async function seedWithFinishedJob(dir: string): Promise<Awaited<ReturnType<typeof seedStore>>> {
  const seeded = await seedStore(dir);
  const store = createSqliteStore({ path: seeded.path });
  try {
    await store.bulkJobs.create({ id: 'job_1', action: 'replay', exceptionIds: [seeded.exceptions[0]!.id], startedBy: 'ops-ann', now: SEED_TIME });
    const job = await store.bulkJobs.claim({ owner: 'weft-1', now: SEED_TIME, leaseMs: 30_000 });
    await store.bulkJobs.beginItem('job_1', job!.fence, 0, SEED_TIME + 30_000);
    await store.bulkJobs.recordItem('job_1', job!.fence, 0, 'failed', SEED_TIME + 1);
  } finally {
    await store.close();
  }
  return seeded;
}

describe('weft prune', () => {
  it('counts on --dry-run what it then deletes: the old finished run and bulk job, not the runs with open exceptions', async () => {
    const dir = tempDir();
    const seeded = await seedWithFinishedJob(dir);
    const dry = await runWeft(['prune', '--dry-run', '--json', '--db', seeded.path], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    const report = JSON.parse(dry.stdout);
    assert.deepEqual([report.dryRun, report.counts, report.yieldedToAnother], [true, SEEDED_SUCCESS, false]);
    assert.match(report.runsFinishedBefore, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Date.now() - Date.parse(report.runsFinishedBefore) >= 30 * 86_400_000 - 60_000, 'the default retention is 30 days');

    const pruned = await runWeft(['prune', '--json', '--db', seeded.path], { cwd: dir });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(JSON.parse(pruned.stdout).counts, SEEDED_SUCCESS);
    const store = createSqliteStore({ path: seeded.path });
    try {
      assert.equal(await store.getRun(seeded.succeededRunId), undefined);
      assert.equal(await store.bulkJobs.get('job_1'), undefined);
      for (const { id, runId } of seeded.exceptions) {
        assert.equal((await store.getException(id))?.status, 'open');
        assert.equal((await store.listCalls({ runId, now: Date.now() })).length, 1);
      }
    } finally {
      await store.close();
    }

    const again = await runWeft(['prune', '--json', '--db', seeded.path], { cwd: dir });
    assert.deepEqual(JSON.parse(again.stdout).counts, NOTHING);
  });

  it('says what it deleted before a failure part-way, and fails', async () => {
    const dir = tempDir();
    const seeded = await seedWithFinishedJob(dir);
    const writer = new Database(seeded.path);
    try {
      // The runs' batch commits; the disk fills as the jobs' batch deletes.
      writer.exec(`CREATE TRIGGER disk_full BEFORE DELETE ON bulk_jobs BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    } finally {
      writer.close();
    }
    const result = await runWeft(['prune', '--db', seeded.path], { cwd: dir });
    assert.equal(result.code, 1);
    // The jobs' batch is one transaction: its items are not deleted either.
    assert.match(result.stderr, /deleted before the failure: runs 1, events 1, checkpoints 2, calls 1\n/);
    assert.match(result.stderr, /^weft: the prune failed part-way: database or disk is full$/m);
  });

  it('prints the cutoffs and a row count per table', async () => {
    const dir = tempDir();
    const seeded = await seedWithFinishedJob(dir);
    const result = await runWeft(['prune', '--dry-run', '--db', seeded.path], { cwd: dir, env: { WEFT_RETENTION_CALLS: 'off' } });
    assert.equal(result.code, 0, result.stderr);
    const [first, header, ...rows] = result.stdout.trimEnd().split('\n');
    assert.match(first!, /^would delete, runs finished before \S+Z; calls: kept with their runs \(retentionCalls off\):$/);
    assert.match(header!, /^TABLE\s+ROWS$/);
    assert.deepEqual(rows.map((row) => row.split(/\s+/)), Object.entries(SEEDED_SUCCESS).map(([table, count]) => [table, String(count)]));
  });

  it('prunes nothing and says so when both retentions are off; refuses a run retention under 7 days', async () => {
    const dir = tempDir();
    const seeded = await seedStore(dir);
    const off = await runWeft(['prune', '--json', '--db', seeded.path], { cwd: dir, env: { WEFT_RETENTION_RUNS: 'off', WEFT_RETENTION_CALLS: 'off' } });
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stderr, /retention is off/);
    assert.deepEqual(JSON.parse(off.stdout), { dryRun: false, runsFinishedBefore: null, callsBefore: null, counts: NOTHING, yieldedToAnother: false });

    const tooShort = await runWeft(['prune', '--db', seeded.path], { cwd: dir, env: { WEFT_RETENTION_RUNS: '2d' } });
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /^weft: WEFT_RETENTION_RUNS: retentionRuns must be at least 7d, or off/);
  });
});
