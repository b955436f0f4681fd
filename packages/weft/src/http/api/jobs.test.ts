import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../core/clock.ts';
import { loadFlows } from '../../flows/load-flow.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/store.ts';
import { createJobRunner, type JobRunner } from './jobs.ts';

const LEASE_MS = 30_000;
const silent = { info: () => {}, warn: () => {} };
const audit = (jobId: string) => ({ at: 0, actor: 'ops-ann', role: 'operator' as const, action: 'exceptions.bulk_replay', target: jobId, detail: null });

/** Open exceptions, one per parked run, in the order made. */
async function parkRuns(store: Store, count: number, now: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const runId = `run_${n}`;
    await store.ingest({
      id: `evt_${n}`,
      runId,
      flowId: 'orders',
      dedupeKey: `delivery-${n}`,
      orderingKey: null,
      receivedAt: now,
      event: { id: `evt_${n}`, source: 'webhook', receivedAt: new Date(now).toISOString(), headers: {}, query: {}, body: { n } },
    });
    const [run] = await store.claimRuns({ workerId: 'engine', now, leaseMs: LEASE_MS, limit: 1, flowConcurrency: {}, flowIds: ['orders'] });
    ids.push(await store.parkException(run!.id, run!.fence, { reason: 'destination-down', message: 'The ERP was down.', stepPath: 'create', input: { n }, lastResponse: undefined, now }));
  }
  return ids;
}

/** The store as a runner sees it, counting the replays that went through, per exception. */
function countingReplays(store: Store, beforeReplay: (exceptionId: string) => Promise<void> = async () => {}) {
  const replayed = new Map<string, number>();
  return {
    replayed,
    store: {
      ...store,
      replayException: async (id: string, options: { now: number }) => {
        await beforeReplay(id);
        const result = await store.replayException(id, options);
        replayed.set(id, (replayed.get(id) ?? 0) + 1);
        return result;
      },
    } satisfies Store,
  };
}

describe('bulk jobs survive the process that worked them', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-jobs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a job stopped after k of n items is finished by the next process on the same store, each exception replayed once', async () => {
    const path = join(dir, 'stopped.db');
    const clock = createManualClock();
    const first = createSqliteStore({ path });
    const exceptionIds = await parkRuns(first, 6, clock.now());

    // The first process's replay of the fourth item waits: the process is told to stop meanwhile.
    let reachedFourth!: () => void;
    const atFourth = new Promise<void>((resolve) => (reachedFourth = resolve));
    let letFourthGo!: () => void;
    const fourthGoes = new Promise<void>((resolve) => (letFourthGo = resolve));
    const firstView = countingReplays(first, async (id) => {
      if (id !== exceptionIds[3]) return;
      reachedFourth();
      await fourthGoes;
    });
    const firstRunner = createJobRunner({ store: firstView.store, clock, flowOf: () => undefined, log: silent, owner: 'host:1', leaseMs: LEASE_MS });
    firstRunner.run();
    const job = await firstRunner.start({ id: 'job_1', action: 'replay', exceptionIds, startedBy: 'ops-ann', now: clock.now() }, audit('job_1'));
    await atFourth;
    const stopped = firstRunner.stop();
    letFourthGo();
    await stopped;
    const handedBack = await first.bulkJobs.get(job.id);
    assert.deepEqual(
      { done: handedBack?.done, finishedAt: handedBack?.finishedAt, leaseOwner: handedBack?.leaseOwner },
      { done: 4, finishedAt: null, leaseOwner: null },
      'the item under way finished, the rest was handed back',
    );
    assert.deepEqual([...firstView.replayed.keys()], exceptionIds.slice(0, 4));
    await first.close();

    // The next start (a restart, or another process) takes it up at once: it was handed back.
    const second = createSqliteStore({ path });
    const secondView = countingReplays(second);
    const secondRunner: JobRunner = createJobRunner({ store: secondView.store, clock, flowOf: () => undefined, log: silent, owner: 'host:2', leaseMs: LEASE_MS });
    secondRunner.run();
    await secondRunner.idle();
    const finished = await second.bulkJobs.get(job.id);
    assert.deepEqual(
      { done: finished?.done, failed: finished?.failed, finishedAt: finished?.finishedAt, fence: finished?.fence },
      { done: 6, failed: 0, finishedAt: clock.now(), fence: 2 },
    );
    assert.deepEqual([...secondView.replayed.keys()], exceptionIds.slice(4), 'only the items left were worked');
    for (const id of exceptionIds) {
      assert.equal((firstView.replayed.get(id) ?? 0) + (secondView.replayed.get(id) ?? 0), 1, `exception ${id} replayed once`);
      assert.equal((await second.getException(id))?.status, 'replayed');
    }
    await secondRunner.stop();
    await second.close();
  });

  it('a process that died between replaying an item and recording it: the next takes over after its lease, counts that item done, and one closed by someone else failed', async () => {
    const clock = createManualClock();
    const store = createSqliteStore({ path: join(dir, 'died.db') });
    const exceptionIds = await parkRuns(store, 5, clock.now());
    await store.bulkJobs.create({ id: 'job_2', action: 'replay', exceptionIds, startedBy: 'ops-ann', now: clock.now() }, audit('job_2'));

    // What the dead process did: item 0 replayed and recorded; item 1 begun and replayed, then it died.
    const dead = (await store.bulkJobs.claim({ owner: 'host:dead', now: clock.now(), leaseMs: LEASE_MS }))!;
    await store.bulkJobs.beginItem('job_2', dead.fence, 0, clock.now() + LEASE_MS);
    await store.replayException(exceptionIds[0]!, { now: clock.now() });
    await store.bulkJobs.recordItem('job_2', dead.fence, 0, 'done', clock.now());
    await store.bulkJobs.beginItem('job_2', dead.fence, 1, clock.now() + LEASE_MS);
    await store.replayException(exceptionIds[1]!, { now: clock.now() });
    // Meanwhile an operator discards item 3 by hand.
    await store.discardException(exceptionIds[3]!, clock.now(), 'handled by phone');

    const view = countingReplays(store);
    const runner = createJobRunner({ store: view.store, clock, flowOf: () => undefined, log: silent, owner: 'host:live', leaseMs: LEASE_MS });
    runner.run();
    await runner.idle();
    assert.equal((await store.bulkJobs.get('job_2'))?.done, 1, 'the dead process still holds its lease: nobody else works the job');

    clock.advance(LEASE_MS);
    await runner.idle();
    const finished = await store.bulkJobs.get('job_2');
    assert.deepEqual(
      { done: finished?.done, failed: finished?.failed, finishedAt: finished?.finishedAt, fence: finished?.fence },
      { done: 5, failed: 1, finishedAt: clock.now(), fence: 2 },
      'item 1 was done by the dead process (begun, and replayed as this job replays); item 3 was closed by someone else',
    );
    assert.deepEqual([...view.replayed.keys()], [exceptionIds[2], exceptionIds[4]], 'nothing replayed twice');
    assert.equal((await store.getException(exceptionIds[3]!))?.status, 'discarded');
    await runner.stop();
    await store.close();
  });

  it('a stopped runner takes no job: idle() answers at once and the job waits for a process', async () => {
    const clock = createManualClock();
    const store = createSqliteStore({ path: ':memory:' });
    const exceptionIds = await parkRuns(store, 2, clock.now());
    const runner = createJobRunner({ store, clock, flowOf: () => undefined, log: silent, owner: 'host:1', leaseMs: LEASE_MS });
    const job = await runner.start({ id: 'job_3', action: 'discard', exceptionIds, comment: 'test orders', startedBy: 'ops-ann', now: clock.now() }, audit('job_3'));
    await runner.idle();
    assert.deepEqual({ done: (await runner.get(job.id))?.done, fence: (await runner.get(job.id))?.fence }, { done: 0, fence: 0 });
    runner.run();
    await runner.idle();
    assert.equal((await runner.get(job.id))?.done, 2);
    assert.deepEqual(
      await Promise.all(exceptionIds.map(async (id) => [(await store.getException(id))?.status, (await store.getException(id))?.comment])),
      [
        ['discarded', 'test orders'],
        ['discarded', 'test orders'],
      ],
    );
    await runner.stop();
    await store.close();
  });
});

describe('a bulk replay reads each run’s ordering key by its flow', () => {
  it('counts an item the flow’s orderingKey fails on as failed, says why in its log line, and replays the others; a flow not loaded here keeps the stored key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-jobs-'));
    writeFileSync(join(dir, 'parcels.yaml'), 'id: parcels\ntrigger:\n  manual: {}\norderingKey: $number(trigger.body.parcel)\nsteps:\n  - id: done\n    map: trigger.body.parcel\n');
    const expressions = createExpressionEngine();
    const { flows } = await loadFlows([dir], { engine: expressions, env: {}, resolveEnv: false });
    const clock = createManualClock();
    const store = createSqliteStore({ path: ':memory:' });
    const parked = async (n: number, flowId: string, body: unknown, orderingKey: string | null) => {
      const at = clock.now();
      const event = { id: `evt_${n}`, source: 'poll' as const, receivedAt: new Date(at).toISOString(), headers: {}, query: {}, body };
      const outcome = await store.ingestParked(
        { id: event.id, runId: `run_${n}`, flowId, dedupeKey: `poll:${n}`, orderingKey, receivedAt: at, event },
        { reason: 'validation', message: 'refused', stepPath: null, input: body, lastResponse: undefined, now: at },
      );
      assert.ok(outcome.status === 'accepted');
      return outcome.exceptionId;
    };
    const exceptionIds = [await parked(1, 'parcels', { parcel: 'nine' }, null), await parked(2, 'parcels', { parcel: 2 }, null), await parked(3, 'retired', { parcel: 3 }, 'P-3')];
    const warnings: Array<{ fields: object; message: string }> = [];
    const log = { info: () => {}, warn: (fields: object, message: string) => warnings.push({ fields, message }) };
    const runner = createJobRunner({ store, flowOf: (flowId) => flows.find((flow) => flow.flow.id === flowId), clock, log, owner: 'host:1', leaseMs: LEASE_MS });
    runner.run();
    const job = await runner.start({ id: 'job_keys', action: 'replay', exceptionIds, startedBy: 'ops-ann', now: clock.now() }, audit('job_keys'));
    await runner.idle();

    assert.deepEqual({ done: (await runner.get(job.id))?.done, failed: (await runner.get(job.id))?.failed }, { done: 3, failed: 1 });
    assert.deepEqual(warnings.map((warning) => warning.message), ['bulk_job.item_failed']);
    assert.deepEqual({ ...warnings[0]!.fields, reason: undefined }, { jobId: 'job_keys', exceptionId: exceptionIds[0], reason: undefined });
    assert.match((warnings[0]!.fields as { reason: string }).reason, /^the flow's orderingKey \(\$number\(trigger\.body\.parcel\)\) could not be evaluated on the run's input: .*Unable to cast value to a number.*: not replayed$/);
    assert.deepEqual(
      await Promise.all(['run_1', 'run_2', 'run_3'].map(async (runId) => [(await store.getRun(runId))?.status, (await store.getRun(runId))?.orderingKey])),
      [
        ['exception', null],
        ['queued', '2'],
        ['queued', 'P-3'],
      ],
    );
    await runner.stop();
    await store.close();
    await expressions.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
