/**
 * The reconcile step through a real engine on SQLite: when a missing record is handed to its
 * repair flow (again, later, never twice at once), what is left to settle, a link to a record
 * the target lacks, the limit a run, a retry after a crash, and a record listed twice.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import type { ConnectionRuntime } from '../../connectors/connection-runtime.ts';
import { systemClock, systemRandom } from '../../core/clock.ts';
import { loadFlows } from '../../flows/load-flow.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/store.ts';
import { createExpressionEngine } from '../../transforms/expression.ts';
import { createEngine } from '../engine.ts';
import { MAX_HAND_OVERS_PER_RUN, type ReconcileOutput, type ReconcileReportItem } from './reconcile-step.ts';

const nightlyFlow = (onMissing: string) => `id: nightly
trigger: { manual: {} }
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id, describe: '"customer " & email', compare: phone, changedAt: updatedAt }
      target: { system: erp, records: trigger.body.erp, id: customerId, compare: phone }
      onMissing: ${onMissing}
      repairFlow: repair
`;

/** Creates nothing: a replayed or re-driven hand-over ends, and its record is still missing. */
const REPAIR_FLOW = `id: repair
trigger: { manual: {} }
steps:
  - id: looked_at
    map: 'trigger.body.id'
`;

const HOUR_AGO = () => new Date(Date.now() - 3_600_000).toISOString();

async function startEngine(onMissing: string, wrap: (store: Store) => Store = (store) => store) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-reconcile-'));
  await writeFile(join(dir, 'nightly.flow.yaml'), nightlyFlow(onMissing));
  await writeFile(join(dir, 'repair.flow.yaml'), REPAIR_FLOW);
  const expressions = createExpressionEngine();
  const { flows, diagnostics } = await loadFlows([dir], { engine: expressions, env: {} });
  assert.deepEqual(diagnostics, []);
  const sqlite = createSqliteStore({ path: join(dir, 'weft.db') });
  const engine = createEngine({
    store: wrap(sqlite),
    clock: systemClock,
    random: systemRandom,
    log: pino({ level: 'silent' }),
    flows,
    workerId: 'test-worker',
    concurrency: 8,
    leaseMs: 30_000,
    pollIntervalMs: 50,
    auditBodyBytes: 1024,
    redactFields: [],
    dispatcher: new Agent(),
    egressAllow: [],
    connections: {} as ConnectionRuntime,
  });
  const flow = (id: string) => flows.find((loaded) => loaded.flow.id === id)!;
  const settled = async (runId: string) => {
    for (const deadline = Date.now() + 20_000; ; ) {
      const run = await sqlite.getRun(runId);
      if (run?.status === 'succeeded' || run?.status === 'exception') return run;
      if (Date.now() > deadline) throw new Error(`run ${runId} did not settle: ${run?.status}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  let nights = 0;
  return {
    engine,
    store: sqlite,
    settled,
    /** One reconciliation: its run, the step's output and the report it recorded. */
    async night(body: { shop: unknown[]; erp: unknown[] }) {
      nights += 1;
      const accepted = await engine.accept(flow('nightly'), { source: 'manual', headers: {}, query: {}, body, dedupeKey: `night-${nights}` });
      const run = await settled(accepted.runId);
      return { run, ...(await reportOf(sqlite, run.id)) };
    },
    /** Waits until every repair run is parked or done (a replay or a redrive runs at once). */
    async repairsSettled() {
      for (const deadline = Date.now() + 20_000; ; ) {
        const counts = await sqlite.countRuns('repair');
        if (counts.queued + counts.running + counts.waiting === 0) return counts;
        if (Date.now() > deadline) throw new Error(`repairs did not settle: ${JSON.stringify(counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close(): Promise<void> {
      await engine.stop(1000);
      await sqlite.close();
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function reportOf(store: Store, runId: string) {
  const output = (await store.getRun(runId))?.checkpoints.find((checkpoint) => checkpoint.path === 'compare')?.output as ReconcileOutput | undefined;
  const report = output === undefined ? undefined : await store.reconciliations.get(output.reportId);
  return { output, report, items: (report?.items ?? []) as ReconcileReportItem[] };
}

const itemOf = (items: ReconcileReportItem[], sourceId: string) => items.find((item) => item.sourceId === sourceId)!;

describe('reconcile step', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const engine of opened) await engine.close();
  });

  it('hands a record over again on a later night once no earlier hand-over of it is open, and never twice while one is', { timeout: 60_000 }, async () => {
    const weft = await startEngine('exception');
    opened.push(weft);
    const body = { shop: [{ id: 7003, email: 'kim@example.com', updatedAt: HOUR_AGO() }, { id: 7005, email: 'pat@example.com', updatedAt: HOUR_AGO() }], erp: [] };
    const first = await weft.night(body);
    assert.deepEqual(first.items.map((item) => item.action?.kind), ['exception', 'exception']);
    const exceptionOf = (items: ReconcileReportItem[], id: string) => itemOf(items, id).action!.exceptionId!;

    // One is replayed (its repair ends without creating it), the other discarded as a false alarm.
    await weft.store.replayException(exceptionOf(first.items, '7003'), { now: Date.now() });
    weft.engine.kick();
    await weft.store.discardException(exceptionOf(first.items, '7005'), Date.now(), 'false alarm');
    await weft.repairsSettled();

    // Both are still missing and no hand-over of them is open: both are handed over again.
    const second = await weft.night(body);
    assert.deepEqual(second.items.map((item) => [item.sourceId, item.action?.kind, item.handOver]), [['7003', 'exception', 2], ['7005', 'exception', 2]]);
    assert.notEqual(exceptionOf(second.items, '7003'), exceptionOf(first.items, '7003'));

    // The third night finds the second hand-overs open and opens nothing.
    const third = await weft.night(body);
    assert.deepEqual(third.items.map((item) => [item.sourceId, item.action?.kind, item.action?.exceptionId]), [
      ['7003', 'already-handled', exceptionOf(second.items, '7003')],
      ['7005', 'already-handled', exceptionOf(second.items, '7005')],
    ]);
    const open = await weft.store.listExceptions({ flowId: 'repair', status: 'open' });
    assert.deepEqual(open.map((exception) => exception.id).sort(), [exceptionOf(second.items, '7003'), exceptionOf(second.items, '7005')].sort());
  });

  it('after retention, a record whose second hand-over is open is not handed over again, though the previous report does not list it', { timeout: 60_000 }, async () => {
    const weft = await startEngine('exception');
    opened.push(weft);
    const missing = { shop: [{ id: 7003, email: 'kim@example.com', updatedAt: HOUR_AGO() }], erp: [] };
    const first = await weft.night(missing);
    await weft.store.discardException(itemOf(first.items, '7003').action!.exceptionId!, Date.now(), 'false alarm');
    const second = await weft.night(missing);
    const open = itemOf(second.items, '7003').action!;
    assert.deepEqual([open.kind, itemOf(second.items, '7003').handOver], ['exception', 2]);
    // A night whose listing leaves the record out: the next night has no hint of its hand-over #2.
    await weft.night({ shop: [], erp: [] });
    // Everything finished is past the cutoff; hand-over #1 is terminal with its exception closed.
    await weft.store.retention.prune({ runsFinishedBefore: Date.now() + 1 });

    const fourth = await weft.night(missing);
    assert.deepEqual(fourth.items.map((item) => [item.sourceId, item.action?.kind, item.action?.exceptionId, item.handOver]), [['7003', 'already-handled', open.exceptionId, 2]]);
    assert.deepEqual((await weft.store.listExceptions({ flowId: 'repair', status: 'open' })).map((exception) => exception.id), [open.exceptionId], 'one repair of the record');
  });

  it('leaves a record that changed within settle to its own run: reported as settling, not judged, not handed over', { timeout: 30_000 }, async () => {
    const weft = await startEngine('redrive');
    opened.push(weft);
    const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000).toISOString();
    await weft.store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: 'A' }, Date.now());
    const { output, items } = await weft.night({
      shop: [
        { id: 7001, email: 'jane@example.com', phone: '555-0100', updatedAt: fiveMinutesAgo },
        { id: 7002, email: 'sam@example.com', updatedAt: fiveMinutesAgo },
        { id: 7003, email: 'kim@example.com', updatedAt: new Date(Date.now() - 20 * 60_000).toISOString() },
      ],
      erp: [{ customerId: 'A', phone: '555-0199' }],
    });
    assert.deepEqual(
      { missing: output?.missing, different: output?.different, settling: output?.settling },
      { missing: 1, different: 0, settling: 2 },
    );
    assert.deepEqual(items.map((item) => [item.sourceId, item.status, item.settling ?? false, item.action?.kind]), [
      ['7001', 'different', true, undefined],
      ['7002', 'missing', true, undefined],
      ['7003', 'missing', false, 'redrive'],
    ]);
    assert.equal((await weft.store.listRuns({ flowId: 'repair' })).length, 1, 'only the record that had time to settle is re-driven');
  });

  it('parks a record linked to a target id the target records lack as an exception naming the link to remove, even in redrive mode', { timeout: 30_000 }, async () => {
    const weft = await startEngine('redrive');
    opened.push(weft);
    await weft.store.xref.link('customer', { system: 'shop', id: '7003' }, { system: 'erp', id: '9999' }, Date.now());
    const { items } = await weft.night({ shop: [{ id: 7003, email: 'kim@example.com', updatedAt: HOUR_AGO() }], erp: [] });
    const [item] = items;
    assert.deepEqual([item?.status, item?.targetId, item?.action?.kind], ['missing', '9999', 'exception']);
    const [exception] = await weft.store.listExceptions({ flowId: 'repair' });
    assert.equal(exception?.id, item?.action?.exceptionId);
    assert.equal(
      exception?.message,
      'Customer kim@example.com in shop is linked to erp customer 9999, which the erp records read by this reconciliation do not include. ' +
        'If it no longer exists in erp, remove the stale link with `weft xref unlink customer erp:9999`, then replay this exception; ' +
        'replayed without that, the repair reuses the link and creates nothing. If erp still has it, discard this exception.',
    );
    assert.equal((await weft.store.getRun(exception!.runId))?.status, 'exception', 'parked for a person, not re-driven');
    assert.ok(await weft.store.xref.find('customer', { system: 'erp', id: '9999' }), 'the step does not remove a link it cannot prove stale');
  });

  it(`hands at most ${MAX_HAND_OVERS_PER_RUN} records over a run; the rest are reported as over the limit and handed over later`, { timeout: 60_000 }, async () => {
    const weft = await startEngine('exception');
    opened.push(weft);
    const updatedAt = HOUR_AGO();
    const body = { shop: Array.from({ length: MAX_HAND_OVERS_PER_RUN + 5 }, (_, index) => ({ id: 10_000 + index, email: `c${index}@example.com`, updatedAt })), erp: [] };
    const first = await weft.night(body);
    assert.deepEqual({ missing: first.output?.missing, notHandedOver: first.output?.notHandedOver }, { missing: MAX_HAND_OVERS_PER_RUN + 5, notHandedOver: 5 });
    assert.deepEqual(first.items.slice(-5).map((item) => [item.notHandedOver, item.action]), Array(5).fill(['over-limit', undefined]));
    assert.equal((await weft.store.listExceptions({ flowId: 'repair', limit: 1000 })).length, MAX_HAND_OVERS_PER_RUN);

    const second = await weft.night(body);
    assert.equal(second.output?.notHandedOver, 0);
    assert.deepEqual(second.items.slice(-5).map((item) => item.action?.kind), Array(5).fill('exception'));
    assert.equal(second.items.filter((item) => item.action?.kind === 'already-handled').length, MAX_HAND_OVERS_PER_RUN);
    assert.equal((await weft.store.listExceptions({ flowId: 'repair', limit: 1000 })).length, MAX_HAND_OVERS_PER_RUN + 5);
  });

  it('keeps the report id and the exception ids when the step is run again after a crash', { timeout: 30_000 }, async () => {
    let crashes = 1;
    // The report commits, then the process dies before the step's checkpoint.
    const weft = await startEngine('exception', (store) => ({
      ...store,
      reconciliations: {
        ...store.reconciliations,
        record: async (report) => {
          await store.reconciliations.record(report);
          if (crashes-- > 0) throw new Error('the process died before the checkpoint');
        },
      },
    }));
    opened.push(weft);
    const failed = await weft.night({ shop: [{ id: 7003, email: 'kim@example.com', updatedAt: HOUR_AGO() }, { id: 7004, email: 'lee@example.com', updatedAt: HOUR_AGO() }], erp: [] });
    assert.equal(failed.run.status, 'exception');
    const [recorded] = await weft.store.reconciliations.list({ flowId: 'nightly' });
    const before = await weft.store.reconciliations.get(recorded!.id);
    const exceptionIds = before!.items.map((item) => item.action?.exceptionId);
    assert.equal(exceptionIds.filter((id) => id !== undefined).length, 2);

    const [crash] = await weft.store.listExceptions({ flowId: 'nightly' });
    await weft.store.replayException(crash!.id, { now: Date.now() });
    weft.engine.kick();
    assert.equal((await weft.settled(failed.run.id)).status, 'succeeded');
    const after = await reportOf(weft.store, failed.run.id);
    assert.equal(after.output?.reportId, recorded!.id, 'the retried step replaces its report under the same id');
    assert.deepEqual((await weft.store.reconciliations.list({ flowId: 'nightly' })).map((report) => report.id), [recorded!.id]);
    assert.deepEqual(after.items.map((item) => [item.action?.kind, item.action?.exceptionId]), exceptionIds.map((id) => ['exception', id]));
    assert.equal((await weft.store.listExceptions({ flowId: 'repair' })).length, 2, 'no hand-over was made twice');
  });

  it('judges a record the source lists twice once, and counts the repeat', { timeout: 30_000 }, async () => {
    const weft = await startEngine('exception');
    opened.push(weft);
    const updatedAt = HOUR_AGO();
    const kim = { id: 7003, email: 'kim@example.com', updatedAt };
    const { output, items } = await weft.night({ shop: [kim, { id: 7004, email: 'lee@example.com', updatedAt }, kim], erp: [] });
    assert.deepEqual({ missing: output?.missing, duplicates: output?.duplicates }, { missing: 2, duplicates: 1 });
    assert.deepEqual(items.map((item) => [item.sourceId, item.action?.kind]), [['7003', 'exception'], ['7004', 'exception']]);
    assert.equal((await weft.store.listExceptions({ flowId: 'repair' })).length, 2);
  });

  it('reports target records no source record links to as orphans, and hands none of them over', { timeout: 30_000 }, async () => {
    const weft = await startEngine('redrive');
    opened.push(weft);
    const now = Date.now();
    await weft.store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: 'A' }, now);
    // Linked to a shop customer this night's listing does not include (changed before its window): not an orphan.
    await weft.store.xref.link('customer', { system: 'shop', id: '6000' }, { system: 'erp', id: 'B' }, now);
    // Linked, but to no shop id: a business key alone does not make it the shop's.
    await weft.store.xref.link('customer', { system: 'email', id: 'dup@example.com' }, { system: 'erp', id: 'D' }, now);
    const { output, report, items } = await weft.night({
      shop: [{ id: 7001, email: 'jane@example.com', phone: '555-0100', updatedAt: HOUR_AGO() }],
      erp: [{ customerId: 'A', phone: '555-0100' }, { customerId: 'B' }, { customerId: 'C' }, { customerId: 'D' }, { customerId: 'C' }],
    });
    assert.deepEqual({ matched: output?.matched, missing: output?.missing, different: output?.different, orphans: output?.orphans }, { matched: 1, missing: 0, different: 0, orphans: 2 });
    assert.deepEqual([report?.missing, report?.different], [0, 0], 'an orphan is neither missing nor different');
    assert.deepEqual(items, [
      { status: 'orphan', name: 'erp record C', targetId: 'C' },
      { status: 'orphan', name: 'erp record D', targetId: 'D' },
    ]);
    assert.equal((await weft.store.listRuns({ flowId: 'repair' })).length, 0, 'nothing is handed over to delete or repair an orphan');
  });

  it('looks the links of a night up in a batch, not one query per record', { timeout: 60_000 }, async () => {
    const lookups = { find: 0, findMany: 0 };
    const weft = await startEngine('report', (store) => ({
      ...store,
      xref: {
        ...store.xref,
        find: (...args) => ((lookups.find += 1), store.xref.find(...args)),
        findMany: (...args) => ((lookups.findMany += 1), store.xref.findMany(...args)),
      },
    }));
    opened.push(weft);
    const updatedAt = HOUR_AGO();
    const count = 2_500;
    for (let start = 0; start < count; start += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, offset) => start + offset).map((index) => weft.store.xref.link('customer', { system: 'shop', id: String(index) }, { system: 'erp', id: `E${index}` }, Date.now())),
      );
    }
    const { output } = await weft.night({
      shop: Array.from({ length: count }, (_, index) => ({ id: index, updatedAt })),
      erp: Array.from({ length: count }, (_, index) => ({ customerId: `E${index}` })),
    });
    assert.deepEqual({ matched: output?.matched, missing: output?.missing, orphans: output?.orphans }, { matched: count, missing: 0, orphans: 0 });
    assert.deepEqual(lookups, { find: 0, findMany: 1 });
  });

  it('compares canonically and keeps a missing compared value as null in the report', { timeout: 30_000 }, async () => {
    const weft = await startEngine('report');
    opened.push(weft);
    for (const [shop, erp] of [['1', 'A'], ['2', 'B'], ['3', 'C']] as const) {
      await weft.store.xref.link('customer', { system: 'shop', id: shop }, { system: 'erp', id: erp }, Date.now());
    }
    const updatedAt = HOUR_AGO();
    const { output, items } = await weft.night({
      shop: [{ id: 1, updatedAt }, { id: 2, phone: null, updatedAt }, { id: 3, phone: '0012', updatedAt }],
      erp: [{ customerId: 'A', phone: null }, { customerId: 'B', phone: '555-0100' }, { customerId: 'C', phone: '12' }],
    });
    assert.deepEqual({ matched: output?.matched, different: output?.different }, { matched: 1, different: 2 });
    assert.deepEqual(items.map((item) => [item.sourceId, item.sourceValue, item.targetValue]), [['2', null, '555-0100'], ['3', '0012', '12']]);
  });
});
