import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { newId } from '../../core/ids.ts';
import type { ReconcileReportItem } from '../../engine/steps/reconcile-step.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, SEED_TIME, tempDir } from '../testing.ts';

const ITEMS: ReconcileReportItem[] = [
  // As reports before the fix kept it: a compared value nobody had left out of the JSON.
  { status: 'different', sourceId: '7001', name: 'customer jane@example.com', targetId: 'A', targetValue: '555-0100' },
  { status: 'missing', sourceId: '7002', name: 'customer sam@example.com', settling: true },
  { status: 'missing', sourceId: '7003', name: 'customer kim@example.com', targetId: '9999', action: { kind: 'exception', runId: 'run_r1', exceptionId: 'exc_1' } },
  { status: 'missing', sourceId: '7004', name: 'customer lee@example.com', action: { kind: 'already-handled', runId: 'run_r0', exceptionId: 'exc_0' }, handOver: 2 },
  { status: 'missing', sourceId: '7005', name: 'customer pat@example.com', notHandedOver: 'over-limit' },
  { status: 'orphan', name: 'erp record C-77', targetId: 'C-77' },
  { status: 'missing', sourceId: '7006', name: 'customer ann@example.com', settling: true, inFlight: { runId: 'run_s1', exceptionId: 'exc_s1' } },
];

/** A database with one reconcile run whose step listed a record twice, and its report. */
async function seededReport(): Promise<{ dir: string; reportId: string }> {
  const dir = tempDir();
  const store = createSqliteStore({ path: join(dir, 'weft.db') });
  try {
    const now = SEED_TIME;
    const runId = newId('run', now);
    const event = { id: newId('evt', now), source: 'schedule' as const, receivedAt: new Date(now).toISOString(), headers: {}, query: {}, body: {} };
    await store.ingest({ id: event.id, flowId: 'nightly', dedupeKey: 'tick-1', orderingKey: null, receivedAt: now, event, runId });
    const [run] = await store.claimRuns({ workerId: 'seed', now, leaseMs: 30_000, limit: 1, flowConcurrency: {}, flowIds: ['nightly'] });
    await store.checkpoint(runId, run!.fence, { path: 'compare', output: { reportId: 'rec_1', matched: 3, missing: 3, different: 1, settling: 2, notHandedOver: 1, duplicates: 1 }, outcome: 'done' }, { now });
    await store.reconciliations.record({ id: 'rec_1', flowId: 'nightly', runId, stepPath: 'compare', entity: 'customer', sourceSystem: 'shop', targetSystem: 'erp', matched: 3, missing: 3, different: 1, at: now, items: ITEMS });
    return { dir, reportId: 'rec_1' };
  } finally {
    await store.close();
  }
}

const weft = (dir: string, ...args: string[]) => runWeft([...args, '--db', join(dir, 'weft.db')], { cwd: dir, env: { NO_COLOR: '1' } });

describe('weft reconcile report', () => {
  it('lists each report with its settling, orphan and over-the-limit counts', { timeout: 60_000 }, async () => {
    const { dir } = await seededReport();
    const listed = await weft(dir, 'reconcile', 'report');
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row] = listed.stdout.split('\n');
    assert.match(header!, /MATCHED +MISSING +DIFFERENT +SETTLING +ORPHANS +OVER LIMIT$/);
    assert.match(row!, /^rec_1 +nightly .* 3 +3 +1 +2 +1 +1$/);
    const printed = await weft(dir, 'reconcile', 'report', '--json');
    assert.deepEqual((JSON.parse(printed.stdout) as { settling: number; orphans: number; notHandedOver: number }[]).map((r) => [r.settling, r.orphans, r.notHandedOver]), [[2, 1, 1]]);
  });
});

describe('weft reconcile report <id>', () => {
  it('says what was found and done for each record, with the command to run next', { timeout: 60_000 }, async () => {
    const { dir, reportId } = await seededReport();
    const shown = await weft(dir, 'reconcile', 'report', reportId);
    assert.equal(shown.code, 0, shown.stderr);
    const lines = shown.stdout.split('\n');
    assert.match(
      lines[1]!,
      /^matched 3  missing 3  different 1  settling 2 \(changed too recently to judge, or its own run still on its way\)  not handed over 1 \(over the limit of 100 a run\)  listed twice 1 \(judged once\)  orphans 1 \(erp records no shop record links to\)$/,
    );
    const rowOf = (id: string) => lines.find((line) => line.includes(` ${id} `)) ?? assert.fail(`no row for ${id}:\n${shown.stdout}`);
    assert.match(rowOf('7001'), /\(no value\) ≠ "555-0100"$/);
    assert.match(rowOf('7002'), /^settling \(missing\) .*changed within the settle window: judged on a later run$/);
    assert.match(rowOf('7003'), /exception exc_1 \(if erp 9999 is gone: weft xref unlink customer erp:9999, then weft replay exc_1\)$/);
    assert.match(rowOf('7004'), /still open from an earlier run: exception exc_0 \(weft replay exc_0\)$/);
    assert.match(rowOf('7006'), /^settling \(missing\) .*its own run run_s1 is parked as exception exc_s1 \(weft replay exc_s1\): judged on a later run once it has ended$/);
    assert.match(rowOf('7005'), /not handed over: over the limit of 100 a run \(a later run hands it over\)$/);
    assert.match(
      rowOf('C-77'),
      /^orphan +erp record C-77 +— +C-77 +no shop customer links to it \(a duplicate, or made in erp by hand\): check it in erp, nothing deletes it; if it is a shop customer's, weft xref set customer shop:<id> erp:C-77$/,
    );
  });

  it('--json keeps a compared value nobody had as null, with the counts the report view shows', { timeout: 60_000 }, async () => {
    const { dir, reportId } = await seededReport();
    const printed = await weft(dir, 'reconcile', 'report', reportId, '--json');
    assert.equal(printed.code, 0, printed.stderr);
    const report = JSON.parse(printed.stdout) as { settling: number; notHandedOver: number; duplicates: number; orphans: number; items: ReconcileReportItem[] };
    assert.deepEqual([report.settling, report.notHandedOver, report.duplicates, report.orphans], [2, 1, 1, 1]);
    const different = report.items.find((item) => item.status === 'different')!;
    assert.deepEqual([different.sourceValue, different.targetValue], [null, '555-0100']);
  });
});
