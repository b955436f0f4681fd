import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createManualClock } from '../core/clock.ts';
import { observeStore, type ObservedStore } from '../store/observed-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { NewCallRecord, NewEvent } from '../store/store.ts';
import { createMetrics, stepLabel, type WeftMetrics } from './metrics.ts';
import { observeLimiter } from './limiter-observer.ts';
import type { Acquisition, ConnectionLimiter } from '../connectors/rate-limit/limiter.ts';

const T0 = Date.UTC(2026, 0, 1);
let eventCount = 0;

function makeEvent(flowId: string, fields: { dedupeKey?: string; receivedAt?: number } = {}): NewEvent {
  eventCount += 1;
  const receivedAt = fields.receivedAt ?? T0;
  return {
    id: `evt_${eventCount}`,
    runId: `run_${eventCount}`,
    flowId,
    dedupeKey: fields.dedupeKey ?? `d-${eventCount}`,
    orderingKey: null,
    receivedAt,
    event: { id: `evt_${eventCount}`, source: 'webhook', receivedAt: new Date(receivedAt).toISOString(), headers: {}, query: {}, body: {} },
  };
}

function call(fields: Partial<NewCallRecord>): NewCallRecord {
  return {
    at: T0,
    flowId: 'orders',
    runId: 'run_x',
    stepPath: 'post',
    attempt: 1,
    method: 'POST',
    url: 'https://erp.example.com/api/orders',
    status: 201,
    durationMs: 40,
    requestHeaders: {},
    requestBody: null,
    responseHeaders: {},
    responseBody: null,
    error: null,
    ...fields,
  };
}

/** The value of one sample line, e.g. `weft_runs_total{flow="orders",status="succeeded"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  let store: ObservedStore;
  let metrics: WeftMetrics;
  const clock = createManualClock(T0);

  beforeEach(() => {
    clock.set(T0);
    store = observeStore(createSqliteStore({ path: ':memory:' }));
    metrics = createMetrics({ store, clock, includeProcessMetrics: false });
  });
  afterEach(async () => {
    metrics.stop();
    await store.close();
  });

  const claimAll = (now: number, flowIds = ['orders', 'invoices']) =>
    store.claimRuns({ workerId: 'w', now, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds });

  it('counts events, finished runs, retries and step durations from committed writes', async () => {
    await store.ingest(makeEvent('orders', { dedupeKey: 'a' }));
    await store.ingest(makeEvent('orders', { dedupeKey: 'a' }));
    await store.ingest(makeEvent('orders'));
    await store.ingest(makeEvent('orders'));
    const [first, second, third] = await claimAll(T0);
    await store.checkpoint(first!.id, first!.fence, { path: 'map', output: 1, outcome: 'done' }, { now: T0 + 20 });
    await store.checkpoint(first!.id, first!.fence, { path: 'lines[0].post', output: 1, outcome: 'done' }, { now: T0 + 320 });
    await store.checkpoint(first!.id, first!.fence, { path: 'lines[1].post', output: 1, outcome: 'done' }, { now: T0 + 330 });
    await store.completeRun(first!.id, first!.fence, T0 + 330);
    await store.parkException(second!.id, second!.fence, { reason: 'validation', message: 'no email', stepPath: 'map', input: {}, lastResponse: null, now: T0 + 5 });
    await store.scheduleRetry(third!.id, third!.fence, { stepPath: 'post', dueAt: T0 + 60_000, now: T0 + 5, error: 'HTTP 503' });

    const text = await metrics.render();
    assert.equal(sample(text, 'weft_events_received_total{flow="orders",outcome="accepted"}'), 3);
    assert.equal(sample(text, 'weft_events_received_total{flow="orders",outcome="duplicate"}'), 1);
    assert.equal(sample(text, 'weft_runs_total{flow="orders",status="succeeded"}'), 1);
    assert.equal(sample(text, 'weft_runs_total{flow="orders",status="exception"}'), 1);
    assert.equal(sample(text, 'weft_retries_total{flow="orders"}'), 1);
    assert.equal(sample(text, 'weft_step_duration_seconds_count{flow="orders",step="map"}'), 1);
    assert.equal(sample(text, 'weft_step_duration_seconds_sum{flow="orders",step="map"}'), 0.02);
    assert.equal(sample(text, 'weft_step_duration_seconds_count{flow="orders",step="lines[].post"}'), 2, 'each items share a label');
    assert.equal(sample(text, 'weft_step_duration_seconds_bucket{le="0.5",flow="orders",step="lines[].post"}'), 2);
    assert.equal(sample(text, 'weft_step_duration_seconds_bucket{le="0.25",flow="orders",step="lines[].post"}'), 1);
  });

  it('counts outbound calls by connection and status class', async () => {
    await store.recordCall(call({ connection: 'erp' }));
    await store.recordCall(call({ connection: 'erp', status: 503, durationMs: 2000 }));
    await store.recordCall(call({ url: 'https://hooks.example.net/x', status: null, error: 'ECONNRESET' }));
    const text = await metrics.render();
    assert.equal(sample(text, 'weft_outbound_calls_total{connection="erp",status_class="2xx"}'), 1);
    assert.equal(sample(text, 'weft_outbound_calls_total{connection="erp",status_class="5xx"}'), 1);
    assert.equal(sample(text, 'weft_outbound_calls_total{connection="hooks.example.net",status_class="error"}'), 1);
    assert.equal(sample(text, 'weft_outbound_call_duration_seconds_sum{connection="erp"}'), 2.04);
  });

  it('reads queue depth, the oldest due run and open exceptions from the store at scrape time', async () => {
    await store.ingest(makeEvent('orders', { receivedAt: T0 }));
    await store.ingest(makeEvent('orders', { receivedAt: T0 + 1000 }));
    await store.ingest(makeEvent('invoices', { receivedAt: T0 + 2000 }));
    clock.set(T0 + 90_000);
    let text = await metrics.render();
    assert.equal(sample(text, 'weft_queue_depth{flow="orders"}'), 2);
    assert.equal(sample(text, 'weft_queue_depth{flow="invoices"}'), 1);
    assert.equal(sample(text, 'weft_oldest_due_run_age_seconds'), 90);

    const claimed = await claimAll(T0 + 90_000, ['invoices']);
    await store.parkException(claimed[0]!.id, claimed[0]!.fence, { reason: 'auth', message: 'token revoked', stepPath: 'post', input: {}, lastResponse: null, now: T0 + 90_000 });
    text = await metrics.render();
    assert.equal(sample(text, 'weft_queue_depth{flow="invoices"}'), 0, 'an emptied queue reads 0, not nothing');
    assert.equal(sample(text, 'weft_open_exceptions{flow="invoices",reason="auth"}'), 1);

    const [open] = await store.listExceptions({ status: 'open' });
    await store.discardException(open!.id, T0 + 91_000, 'duplicate order');
    text = await metrics.render();
    assert.equal(sample(text, 'weft_open_exceptions{flow="invoices",reason="auth"}'), 0);
  });

  it('stops counting once stopped', async () => {
    metrics.stop();
    await store.ingest(makeEvent('orders'));
    assert.equal(sample(await metrics.render(), 'weft_events_received_total{flow="orders",outcome="accepted"}'), undefined);
  });

  it('counts limiter waits and follows the breaker through open, probe and close', async () => {
    const answers: Acquisition[] = [
      { status: 'wait', waitUntil: T0 + 1500, reason: 'rate' },
      { status: 'wait', waitUntil: T0 + 5000, reason: 'breaker' },
      { status: 'granted', release: async () => {} },
    ];
    const limiter: ConnectionLimiter = { acquire: async () => answers.shift()!, observe: async () => ({}) as never };
    const observed = observeLimiter(limiter, 'erp', metrics, clock);
    await observed.acquire();
    await observed.acquire();
    let text = await metrics.render();
    assert.equal(sample(text, 'weft_rate_limiter_waits_total{connection="erp",reason="rate"}'), 1);
    assert.equal(sample(text, 'weft_rate_limiter_wait_seconds_total{connection="erp"}'), 6.5);
    assert.equal(sample(text, 'weft_breaker_state{connection="erp"}'), 1);
    const probe = await observed.acquire();
    assert.equal(sample(await metrics.render(), 'weft_breaker_state{connection="erp"}'), 2);
    assert.equal(probe.status, 'granted');
    if (probe.status === 'granted') await probe.release('success');
    text = await metrics.render();
    assert.equal(sample(text, 'weft_breaker_state{connection="erp"}'), 0);
  });

  it('includes Node process metrics by default', async () => {
    const withProcess = createMetrics({ store, clock });
    try {
      assert.match(await withProcess.render(), /^process_cpu_user_seconds_total /m);
    } finally {
      withProcess.stop();
    }
  });

  it('names each item of an each as one step', () => {
    assert.equal(stepLabel('lines[12].post'), 'lines[].post');
    assert.equal(stepLabel('outer[1].inner[2].call'), 'outer[].inner[].call');
    assert.equal(stepLabel('map'), 'map');
    assert.equal(stepLabel('lines["ABC-9"].post'), 'lines[].post', 'an item named by its key is one step too');
  });
});

describe('the SQLite WAL gauge', () => {
  it("reads the -wal file's size at each scrape, and shows it growing while a long reader holds a snapshot", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-wal-gauge-'));
    const path = join(dir, 'weft.db');
    const store = observeStore(createSqliteStore({ path }));
    const metrics = createMetrics({ store, clock: createManualClock(T0), includeProcessMetrics: false, sqlitePath: path });
    const reader = new Database(path, { readonly: true });
    try {
      await store.ingest(makeEvent('orders'));
      assert.equal(sample(await metrics.render(), 'weft_sqlite_wal_bytes'), statSync(`${path}-wal`).size);
      // A read transaction left open (a backup, a long listing) pins the WAL: checkpoints cannot recycle it.
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM events').get();
      const padding = 'x'.repeat(4000);
      for (let batch = 0; batch < 6; batch += 1) {
        await Promise.all(Array.from({ length: 500 }, () => store.ingest({ ...makeEvent('orders'), event: { ...makeEvent('orders').event, body: { padding } } })));
      }
      const walBytes = sample(await metrics.render(), 'weft_sqlite_wal_bytes')!;
      assert.equal(walBytes, statSync(`${path}-wal`).size);
      assert.ok(walBytes > 12 * 1024 * 1024, `the pinned WAL grew to ${walBytes} bytes (unpinned, checkpoints keep it near 4 MB)`);
    } finally {
      reader.close();
      metrics.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not reported without a SQLite file (PostgreSQL)', async () => {
    const store = observeStore(createSqliteStore({ path: ':memory:' }));
    const metrics = createMetrics({ store, clock: createManualClock(T0), includeProcessMetrics: false });
    try {
      assert.doesNotMatch(await metrics.render(), /weft_sqlite_wal_bytes/);
    } finally {
      metrics.stop();
      await store.close();
    }
  });
});
