import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWeft, seedStore, tempDir, type SeededStore } from '../testing.ts';

describe('weft runs', () => {
  let dir: string;
  let seeded: SeededStore;
  before(async () => {
    dir = tempDir();
    seeded = await seedStore(dir);
  });

  it('lists runs as JSON, newest first, filtered by status', async () => {
    const all = await runWeft(['runs', '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    const runs = JSON.parse(all.stdout) as Array<{ id: string; status: string }>;
    assert.deepEqual(
      runs.map((run) => [run.id, run.status]),
      [
        [seeded.exceptions[1]!.runId, 'exception'],
        [seeded.exceptions[0]!.runId, 'exception'],
        [seeded.succeededRunId, 'succeeded'],
      ],
    );

    const succeeded = await runWeft(['runs', '--status', 'succeeded', '--json'], { cwd: dir, env: { WEFT_DB: seeded.path } });
    assert.deepEqual(JSON.parse(succeeded.stdout).map((run: { id: string }) => run.id), [seeded.succeededRunId]);
  });

  it('prints a table with ISO UTC times and no colour when not a terminal', async () => {
    const result = await runWeft(['runs', '--db', seeded.path, '--limit', '1'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const [header, row, extra] = result.stdout.trimEnd().split('\n');
    assert.match(header!, /^RUN\s+FLOW\s+STATUS\s+CREATED\s+FINISHED\s+LAST ERROR$/);
    assert.match(row!, new RegExp(`^${seeded.exceptions[1]!.runId}\\s+orders\\s+exception\\s+2026-01-02T09:30:03\\.000Z`));
    assert.equal(extra, undefined);
    assert.doesNotMatch(result.stdout, /\u001b\[/);
  });

  it('shows one run with its checkpoints and exceptions', async () => {
    const succeeded = await runWeft(['runs', 'show', seeded.succeededRunId, '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(succeeded.code, 0, succeeded.stderr);
    const detail = JSON.parse(succeeded.stdout);
    assert.equal(detail.run.status, 'succeeded');
    assert.deepEqual(detail.run.checkpoints.map((checkpoint: { path: string }) => checkpoint.path), ['salesOrder', 'createSalesOrder']);
    assert.deepEqual(detail.exceptions, []);

    const failed = await runWeft(['runs', 'show', seeded.exceptions[0]!.runId, '--db', seeded.path], { cwd: dir });
    assert.equal(failed.code, 0, failed.stderr);
    assert.match(failed.stdout, new RegExp(`${seeded.exceptions[0]!.id}\\s+validation\\s+open`));
    assert.match(failed.stdout, /The ERP refused order 1002\./);
    assert.match(failed.stdout, /onlyGifts\s+false: the next step was skipped\s+false\n/, 'a false when says what it did');
  });

  it('fails with one clear line for an unknown run or a missing database', async () => {
    const unknown = await runWeft(['runs', 'show', 'run_nope', '--db', seeded.path], { cwd: dir });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'weft: no run run_nope\n');

    const missing = await runWeft(['runs', '--db', 'nowhere.db'], { cwd: dir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^weft: no database at .*nowhere\.db/);
    assert.equal(missing.stderr.split('\n').length, 2);
  });

  it('rejects a bad option value as a usage error', async () => {
    const result = await runWeft(['runs', '--status', 'sleeping', '--db', seeded.path], { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are queued, running, waiting, succeeded, exception/);
  });
});
