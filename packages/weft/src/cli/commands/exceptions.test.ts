import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runWeft, seedStore, tempDir, type SeededStore } from '../testing.ts';

describe('weft exceptions', () => {
  let dir: string;
  let seeded: SeededStore;
  beforeEach(async () => {
    dir = tempDir();
    seeded = await seedStore(dir);
  });

  it('lists exceptions as JSON, filtered by reason', async () => {
    const all = await runWeft(['exceptions', '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      JSON.parse(all.stdout).map((exception: { id: string; reason: string; status: string }) => [exception.id, exception.reason, exception.status]),
      [
        [seeded.exceptions[1]!.id, 'destination-down', 'open'],
        [seeded.exceptions[0]!.id, 'validation', 'open'],
      ],
    );
    const validation = await runWeft(['exceptions', '--reason', 'validation', '--db', seeded.path, '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(validation.stdout).map((exception: { id: string }) => exception.id), [seeded.exceptions[0]!.id]);
  });

  it('lists what needs a person by default: open ones; --status all shows the closed too', async () => {
    const { id } = seeded.exceptions[0]!;
    assert.equal((await runWeft(['exceptions', 'discard', id, '--db', seeded.path], { cwd: dir })).code, 0);
    const ids = async (...args: string[]) =>
      JSON.parse((await runWeft(['exceptions', ...args, '--db', seeded.path, '--json'], { cwd: dir })).stdout).map((exception: { id: string }) => exception.id);
    assert.deepEqual(await ids(), [seeded.exceptions[1]!.id]);
    assert.deepEqual(await ids('--status', 'all'), [seeded.exceptions[1]!.id, id]);
    assert.deepEqual(await ids('--status', 'discarded'), [id]);
  });

  it('shows one exception: reason, sentence, step, input and last response', async () => {
    const result = await runWeft(['exceptions', 'show', seeded.exceptions[0]!.id, '--db', seeded.path], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /validation\s+open\nThe ERP refused order 1002\.\n/);
    assert.match(result.stdout, /step\s+createSalesOrder/);
    assert.match(result.stdout, /input\n\{\n {2}"id": 1002\n\}/);
    assert.match(result.stdout, /last response\n\{\n {2}"status": 422/);
  });

  it('takes --json and --db given before the subcommand too', async () => {
    const { id } = seeded.exceptions[0]!;
    const shown = await runWeft(['exceptions', '--db', seeded.path, '--json', 'show', id], { cwd: dir });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).id, id);
    const run = await runWeft(['runs', '--db', seeded.path, '--json', 'show', seeded.exceptions[0]!.runId], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).run.id, seeded.exceptions[0]!.runId);
  });

  it('discards an open exception, once', async () => {
    const { id } = seeded.exceptions[0]!;
    const discarded = await runWeft(['exceptions', 'discard', id, '--db', seeded.path], { cwd: dir });
    assert.equal(discarded.code, 0, discarded.stderr);
    assert.equal(discarded.stdout, `discarded ${id}\n`);

    const shown = await runWeft(['exceptions', 'show', id, '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(JSON.parse(shown.stdout).status, 'discarded');

    const again = await runWeft(['exceptions', 'discard', id, '--db', seeded.path], { cwd: dir });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `weft: exception ${id} is already discarded\n`);
  });
});
