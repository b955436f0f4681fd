import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { observeStore, type ObservedStore } from '../store/observed-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { NewEvent } from '../store/store.ts';
import { startTracing } from './tracing.ts';
import { derivedSpanContext, parseTraceparent } from './trace-context.ts';

const T0 = Date.UTC(2026, 0, 1);
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
let eventCount = 0;

function makeEvent(headers: Record<string, string> = {}): NewEvent {
  eventCount += 1;
  return {
    id: `evt_trace_${eventCount}`,
    runId: `run_trace_${eventCount}`,
    flowId: 'orders',
    dedupeKey: `d-${eventCount}`,
    orderingKey: null,
    receivedAt: T0,
    event: { id: `evt_trace_${eventCount}`, source: 'webhook', receivedAt: new Date(T0).toISOString(), headers, query: {}, body: {} },
  };
}

/** Milliseconds since the epoch of an SDK span time ([seconds, nanoseconds]). */
const ms = (time: [number, number]) => time[0] * 1000 + time[1] / 1e6;

describe('tracing', () => {
  let dir: string;
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  const opened: ObservedStore[] = [];
  const stops: Array<() => void> = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-tracing-'));
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterEach(async () => {
    stops.splice(0).forEach((stop) => stop());
    for (const store of opened.splice(0)) await store.close();
    await provider.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  /** A process: a store on the shared database file, traced. */
  function openProcess(): ObservedStore {
    const store = observeStore(createSqliteStore({ path: join(dir, 'weft.db') }));
    opened.push(store);
    stops.push(startTracing({ store, tracer: provider.getTracer('weft') }));
    return store;
  }

  const claim = (store: ObservedStore, now: number) =>
    store.claimRuns({ workerId: 'w', now, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds: ['orders'] });
  const spansNamed = (prefix: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name.startsWith(prefix));

  it('makes run, step and call spans with the times the store recorded, under the trigger traceparent', async () => {
    const store = openProcess();
    const event = makeEvent({ traceparent: `00-${TRACE_ID}-${PARENT_SPAN}-01` });
    await store.ingest(event);
    const [run] = await claim(store, T0 + 100);
    await store.checkpoint(run!.id, run!.fence, { path: 'map', output: 1, outcome: 'done' }, { now: T0 + 130 });
    await store.recordCall({
      at: T0 + 140,
      flowId: 'orders',
      runId: run!.id,
      stepPath: 'post',
      attempt: 1,
      method: 'POST',
      url: 'https://erp.example.com/api/orders?api_key=hidden',
      status: 201,
      durationMs: 250,
      requestHeaders: {},
      requestBody: null,
      responseHeaders: {},
      responseBody: null,
      error: null,
      connection: 'erp',
    });
    await store.checkpoint(run!.id, run!.fence, { path: 'post', output: 1, outcome: 'done' }, { now: T0 + 410 });
    await store.completeRun(run!.id, run!.fence, T0 + 420);

    const [runSpan] = spansNamed('run ');
    assert.ok(runSpan);
    assert.equal(runSpan.spanContext().traceId, TRACE_ID);
    assert.equal(runSpan.parentSpanContext?.spanId, PARENT_SPAN);
    assert.equal(runSpan.kind, SpanKind.CONSUMER);
    assert.deepEqual([ms(runSpan.startTime), ms(runSpan.endTime)], [T0 + 100, T0 + 420]);
    assert.equal(runSpan.attributes['weft.run.outcome'], 'succeeded');

    const steps = spansNamed('step ');
    assert.deepEqual(
      steps.map((span) => [span.name, ms(span.startTime), ms(span.endTime), span.parentSpanContext?.spanId]),
      [
        ['step map', T0 + 100, T0 + 130, runSpan.spanContext().spanId],
        ['step post', T0 + 130, T0 + 410, runSpan.spanContext().spanId],
      ],
    );
    const [callSpan] = spansNamed('POST ');
    assert.ok(callSpan);
    assert.equal(callSpan.name, 'POST erp');
    assert.equal(callSpan.kind, SpanKind.CLIENT);
    // From the request leaving (the record's `at`) to its answer, inside its step's span.
    assert.deepEqual([ms(callSpan.startTime), ms(callSpan.endTime)], [T0 + 140, T0 + 390]);
    assert.equal(callSpan.attributes['url.full'], 'https://erp.example.com/api/orders', 'no query string');
    assert.equal(callSpan.attributes['http.response.status_code'], 201);
    assert.equal(callSpan.spanContext().traceId, TRACE_ID);
  });

  it('keeps a run in one trace across a retry in another process after a restart', async () => {
    const first = openProcess();
    const event = makeEvent();
    await first.ingest(event);
    const [attempt] = await claim(first, T0);
    await first.scheduleRetry(attempt!.id, attempt!.fence, { stepPath: 'post', dueAt: T0 + 5000, now: T0 + 10, error: 'HTTP 503' });
    await first.close();

    const second = openProcess();
    const [retried] = await claim(second, T0 + 5000);
    await second.parkException(retried!.id, retried!.fence, { reason: 'destination-down', message: 'The ERP is down.', stepPath: 'post', input: {}, lastResponse: null, now: T0 + 5100 });

    const runs = spansNamed('run ');
    assert.equal(runs.length, 2);
    const expected = derivedSpanContext(event.id).traceId;
    assert.deepEqual(
      runs.map((span) => span.spanContext().traceId),
      [expected, expected],
    );
    assert.deepEqual(
      runs.map((span) => [span.attributes['weft.run.outcome'], span.status.code]),
      [
        ['retry_scheduled', SpanStatusCode.ERROR],
        ['exception', SpanStatusCode.ERROR],
      ],
    );
    assert.equal(runs[1]!.status.message, 'destination-down: The ERP is down.');
    assert.equal(runs[1]!.attributes['weft.run.attempt'], 2);
  });

  it('derives different traces for different events and ignores a malformed traceparent', async () => {
    assert.notEqual(derivedSpanContext('evt_a').traceId, derivedSpanContext('evt_b').traceId);
    assert.equal(derivedSpanContext('evt_a').traceId, derivedSpanContext('evt_a').traceId);
    assert.equal(parseTraceparent('00-zz-00f067aa0ba902b7-01'), undefined);
    assert.equal(parseTraceparent(`00-${'0'.repeat(32)}-${PARENT_SPAN}-01`), undefined, 'all-zero trace id is invalid');
    assert.equal(parseTraceparent(`ff-${TRACE_ID}-${PARENT_SPAN}-01`), undefined, 'version ff is forbidden');
    assert.equal(parseTraceparent(`00-${TRACE_ID.toUpperCase()}-${PARENT_SPAN}-01`)?.traceId, TRACE_ID);

    const store = openProcess();
    const event = makeEvent({ traceparent: 'garbage' });
    await store.ingest(event);
    const [run] = await claim(store, T0);
    await store.completeRun(run!.id, run!.fence, T0 + 1);
    assert.equal(spansNamed('run ')[0]?.spanContext().traceId, derivedSpanContext(event.id).traceId);
  });

  it('ends the spans of unfinished runs when stopped', async () => {
    const store = openProcess();
    await store.ingest(makeEvent());
    await claim(store, T0);
    assert.equal(spansNamed('run ').length, 0);
    stops.splice(0).forEach((stop) => stop());
    assert.equal(spansNamed('run ')[0]?.attributes['weft.run.outcome'], 'unfinished');
  });
});
