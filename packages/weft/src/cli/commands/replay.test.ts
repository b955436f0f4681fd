import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, seedStore, tempDir, type SeededStore } from '../testing.ts';

describe('weft replay', () => {
  let dir: string;
  let seeded: SeededStore;
  beforeEach(async () => {
    dir = tempDir();
    seeded = await seedStore(dir);
    // The project has the seeded runs' flow, as it would where they ran.
    mkdirSync(join(dir, 'flows'));
    writeFileSync(join(dir, 'flows', 'orders.flow.yaml'), 'id: orders\ntrigger:\n  manual: {}\nsteps:\n  - id: a\n    map: "1"\n');
  });

  it('replays one exception with an edited input: the exception is replayed, its run queued', async () => {
    const { id, runId } = seeded.exceptions[0]!;
    writeFileSync(join(dir, 'fixed.json'), '{"id": 1002, "sku": "MUG-1"}');
    const replayed = await runWeft(['replay', id, '--input', 'fixed.json', '--db', seeded.path], { cwd: dir });
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stdout, `replayed ${id}: run ${runId} is queued\n`);

    const exception = JSON.parse((await runWeft(['exceptions', 'show', id, '--db', seeded.path, '--json'], { cwd: dir })).stdout);
    assert.equal(exception.status, 'replayed');
    const detail = JSON.parse((await runWeft(['runs', 'show', runId, '--db', seeded.path, '--json'], { cwd: dir })).stdout);
    assert.equal(detail.run.status, 'queued');
    assert.deepEqual(detail.run.event.body, { id: 1002, sku: 'MUG-1' });

    const again = await runWeft(['replay', id, '--db', seeded.path], { cwd: dir });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `weft: exception ${id} is already replayed\n`);
  });

  describe('with an edited input, the ordering key', () => {
    beforeEach(() => {
      writeFileSync(join(dir, 'flows', 'orders.flow.yaml'), 'id: orders\ntrigger:\n  manual: {}\norderingKey: $number(trigger.body.id)\nsteps:\n  - id: a\n    map: "1"\n');
    });
    const show = async (command: string, id: string) => JSON.parse((await runWeft([command, 'show', id, '--db', seeded.path, '--json'], { cwd: dir })).stdout);

    it('is read from the edited input by the project’s flow: the run is queued among its new record’s runs', async () => {
      const { id, runId } = seeded.exceptions[0]!;
      assert.equal((await show('runs', runId)).run.orderingKey, null, 'ingested without one');
      writeFileSync(join(dir, 'fixed.json'), '{"id": 1009}');
      const replayed = await runWeft(['replay', id, '--input', 'fixed.json', '--db', seeded.path], { cwd: dir });
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.equal(replayed.stderr, '');
      const detail = await show('runs', runId);
      assert.deepEqual([detail.run.status, detail.run.orderingKey, detail.run.event.body], ['queued', '1009', { id: 1009 }]);
    });

    it('refuses an input the flow’s orderingKey fails on, naming the expression and the error, and changes nothing', async () => {
      const { id, runId } = seeded.exceptions[0]!;
      writeFileSync(join(dir, 'fixed.json'), '{"id": "SO-1009"}');
      const refused = await runWeft(['replay', id, '--input', 'fixed.json', '--db', seeded.path], { cwd: dir });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^weft: cannot replay \S+ with this input: the flow's orderingKey \(\$number\(trigger\.body\.id\)\) could not be evaluated on the edited input: .*Unable to cast value to a number.*; nothing was changed\n$/);
      assert.equal((await show('exceptions', id)).status, 'open');
      const detail = await show('runs', runId);
      assert.deepEqual([detail.run.status, detail.run.orderingKey, detail.run.event.body], ['exception', null, { id: 1002 }]);
    });

    it('cannot be computed without the exception’s flow: the edited replay is refused, a plain one still works', async () => {
      rmSync(join(dir, 'flows', 'orders.flow.yaml'));
      const { id, runId } = seeded.exceptions[0]!;
      writeFileSync(join(dir, 'fixed.json'), '{"id": 1009}');
      const refused = await runWeft(['replay', id, '--input', 'fixed.json', '--db', seeded.path], { cwd: dir });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^weft: cannot replay \S+ with an edited input: no valid flow 'orders' in .*flows, so the ordering key of the edited input cannot be computed \(the run would keep the key of the input it replaces\); nothing was changed\. .*or replay without --input\n$/);
      assert.equal((await show('exceptions', id)).status, 'open');
      assert.deepEqual((await show('runs', runId)).run.event.body, { id: 1002 });

      const plain = await runWeft(['replay', id, '--db', seeded.path], { cwd: dir });
      assert.equal(plain.code, 0, plain.stderr);
    });
  });

  describe('without an edited input, the ordering key', () => {
    beforeEach(() => {
      writeFileSync(join(dir, 'flows', 'orders.flow.yaml'), 'id: orders\ntrigger:\n  manual: {}\norderingKey: $number(trigger.body.id)\nsteps:\n  - id: a\n    map: "1"\n');
    });
    const show = async (command: string, id: string) => JSON.parse((await runWeft([command, 'show', id, '--db', seeded.path, '--json'], { cwd: dir })).stdout);
    /** A record parked at ingest with the key it was given then: none (the flow's former orderingKey failed on it), or an old expression's. */
    const parkedAtIngest = async (n: number, body: unknown, orderingKey: string | null) => {
      const store = createSqliteStore({ path: seeded.path });
      try {
        const at = Date.now();
        const event = { id: `evt_parked_${n}`, source: 'poll' as const, receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body };
        const parked = await store.ingestParked(
          { id: event.id, runId: `run_parked_${n}`, flowId: 'orders', dedupeKey: `poll:parked-${n}`, orderingKey, receivedAt: at, event },
          { reason: 'validation', message: 'refused', stepPath: null, input: body, lastResponse: undefined, now: at },
        );
        assert.ok(parked.status === 'accepted');
        return { id: parked.exceptionId, runId: parked.runId };
      } finally {
        await store.close();
      }
    };

    it('is read from the run’s input by the project’s flow as it is now, not kept from ingest', async () => {
      const { id, runId } = seeded.exceptions[0]!;
      assert.equal((await show('runs', runId)).run.orderingKey, null, 'ingested without one');
      const replayed = await runWeft(['replay', id, '--db', seeded.path], { cwd: dir });
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.equal(replayed.stderr, '');
      assert.deepEqual([(await show('runs', runId)).run.status, (await show('runs', runId)).run.orderingKey], ['queued', '1002']);
    });

    it('refuses a run whose input the flow’s orderingKey fails on, naming the expression and the error, and changes nothing', async () => {
      const { id, runId } = await parkedAtIngest(9, { id: 'SO-1009' }, null);
      const refused = await runWeft(['replay', id, '--db', seeded.path], { cwd: dir });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^weft: cannot replay \S+: the flow's orderingKey \(\$number\(trigger\.body\.id\)\) could not be evaluated on the run's input: .*Unable to cast value to a number.*; nothing was changed\. Fix the flow's orderingKey, or replay with an --input it reads\n$/);
      assert.equal((await show('exceptions', id)).status, 'open');
      assert.deepEqual([(await show('runs', runId)).run.status, (await show('runs', runId)).run.orderingKey], ['exception', null]);
    });

    it('is read for each run of a batch; one the expression fails on is counted failed, with why, and left as it was', async () => {
      const unreadable = await parkedAtIngest(9, { id: 'SO-1009' }, null);
      const keyedBefore = await parkedAtIngest(7, { id: 1007 }, 'SO-1007');
      const batch = await runWeft(['replay', '--flow', 'orders', '--db', seeded.path], { cwd: dir });
      assert.equal(batch.code, 1);
      assert.equal(batch.stdout, 'replayed 3 of 4 open exceptions; 1 failed\n');
      assert.match(batch.stderr, new RegExp(`^weft: could not replay ${unreadable.id}: the flow's orderingKey \\(\\$number\\(trigger\\.body\\.id\\)\\) could not be evaluated on the run's input: .*; not replayed\n$`));
      assert.equal((await show('exceptions', unreadable.id)).status, 'open');
      assert.equal((await show('runs', unreadable.runId)).run.orderingKey, null);
      assert.deepEqual(
        await Promise.all([seeded.exceptions[0]!.runId, seeded.exceptions[1]!.runId, keyedBefore.runId].map(async (runId) => (await show('runs', runId)).run.orderingKey)),
        ['1002', '1003', '1007'],
      );
    });

    it('is kept, and the output says so, where no flows are configured: a plain replay needs none', async () => {
      rmSync(join(dir, 'flows'), { recursive: true });
      const { id, runId } = await parkedAtIngest(7, { id: 1007 }, 'SO-1007');
      const replayed = await runWeft(['replay', id, '--db', seeded.path], { cwd: dir });
      assert.equal(replayed.code, 0, replayed.stderr);
      assert.equal(replayed.stdout, `replayed ${id}: run ${runId} is queued\n`);
      assert.match(replayed.stderr, /^weft: note: no valid flow 'orders' in .*flows: its replayed runs keep their stored ordering key \(not read again from their input\) and stay queued until an engine that has the flow runs\n$/);
      assert.deepEqual([(await show('runs', runId)).run.status, (await show('runs', runId)).run.orderingKey], ['queued', 'SO-1007']);
    });
  });

  it('replays every open exception of a flow and reason, with a summary and no progress bar off a terminal', async () => {
    const byReason = await runWeft(['replay', '--flow', 'orders', '--reason', 'destination-down', '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(byReason.code, 0, byReason.stderr);
    assert.deepEqual(JSON.parse(byReason.stdout), {
      matched: 1,
      replayed: [{ exceptionId: seeded.exceptions[1]!.id, runId: seeded.exceptions[1]!.runId }],
      skipped: [],
      failed: [],
    });

    const rest = await runWeft(['replay', '--flow', 'orders', '--db', seeded.path], { cwd: dir });
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(rest.stdout, 'replayed 1 of 1 open exceptions\n');
    assert.equal(rest.stderr, '');
  });

  it('notes when the project has no flow for a replayed run: it would sit queued unexplained', async () => {
    rmSync(join(dir, 'flows', 'orders.flow.yaml'));
    const { id } = seeded.exceptions[0]!;
    const replayed = await runWeft(['replay', id, '--db', seeded.path, '--json'], { cwd: dir });
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(JSON.parse(replayed.stdout).exceptionId, id);
    assert.match(replayed.stderr, /^weft: note: no valid flow 'orders' in .*flows: its replayed runs keep their stored ordering key \(not read again from their input\) and stay queued until an engine that has the flow runs\n$/);
  });

  it('refuses ambiguous requests before touching the store', async () => {
    const both = await runWeft(['replay', seeded.exceptions[0]!.id, '--flow', 'orders', '--db', seeded.path], { cwd: dir });
    assert.equal(both.code, 1);
    assert.match(both.stderr, /give an exception id or --flow\/--reason, not both/);
    const neither = await runWeft(['replay', '--db', seeded.path], { cwd: dir });
    assert.equal(neither.code, 1);
    const open = JSON.parse((await runWeft(['exceptions', '--status', 'open', '--db', seeded.path, '--json'], { cwd: dir })).stdout);
    assert.equal(open.length, 2);
  });
});
