import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { observeStore, type ObservedStore, type StoreEvent } from './observed-store.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';
import { LeaseLostError, type NewCallRecord } from './store.ts';
import { testEvent } from './testing-events.ts';

const T0 = Date.UTC(2026, 0, 1);
describe('observed store (on SQLite)', () => {
  let dir: string;
  let store: ObservedStore;
  let events: StoreEvent[];
  let listenerErrors: unknown[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-observed-'));
    listenerErrors = [];
    store = observeStore(createSqliteStore({ path: join(dir, 'weft.db') }), (error) => listenerErrors.push(error));
    events = [];
    store.observe((event) => events.push(event));
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const claim = (now = T0, flowIds = ['orders']) => store.claimRuns({ workerId: 'w', now, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds });
  const types = () => events.map((event) => event.type);

  it('tells accepted and duplicate deliveries, and a claim made on ingest, with the trigger traceparent', async () => {
    const first = testEvent({ dedupeKey: 'same', headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
    await store.ingest(first, { workerId: 'w', leaseMs: 30_000 });
    await store.ingest(testEvent({ dedupeKey: 'same' }));
    assert.deepEqual(events, [
      { type: 'event.accepted', at: T0, flowId: 'orders', eventId: first.id, runId: first.runId, duplicate: false },
      { type: 'run.claimed', at: T0, flowId: 'orders', runId: first.runId, eventId: first.id, attempt: 1, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      { type: 'event.accepted', at: T0, flowId: 'orders', eventId: first.id, runId: first.runId, duplicate: true },
    ]);
  });

  it('tells an event parked at ingest as accepted and as an exception of its flow, with no claim, and a repeat as a duplicate', async () => {
    const event = testEvent({ dedupeKey: 'refused' });
    const refused = { reason: 'validation' as const, message: 'The order does not match its trigger.', stepPath: null, input: event.event.body, lastResponse: undefined, now: T0 + 1 };
    const outcome = await store.ingestParked(event, refused);
    assert.ok(outcome.status === 'accepted');
    await store.ingestParked(testEvent({ dedupeKey: 'refused' }), refused);
    assert.deepEqual(events, [
      { type: 'event.accepted', at: T0, flowId: 'orders', eventId: event.id, runId: event.runId, duplicate: false },
      { type: 'run.exception', at: T0 + 1, flowId: 'orders', runId: event.runId, exceptionId: outcome.exceptionId, reason: 'validation', stepPath: null, message: refused.message },
      { type: 'event.accepted', at: T0, flowId: 'orders', eventId: event.id, runId: event.runId, duplicate: true },
    ]);
  });

  it('tells a poll batch event by event', async () => {
    const batch = [testEvent({ flowId: 'poll' }), testEvent({ flowId: 'poll' })];
    await store.ingestBatch(batch, { key: 'cursor', value: '2', now: T0 });
    assert.deepEqual(
      events.map((event) => event.type === 'event.accepted' && event.eventId),
      batch.map((event) => event.id),
    );
    assert.equal(await store.pollCursor('cursor'), '2');
  });

  it('tells each step of a run and its completion, naming the flow of a run claimed here', async () => {
    const event = testEvent();
    await store.ingest(event);
    const [run] = await claim(T0 + 5);
    await store.checkpoint(run!.id, run!.fence, { path: 'map', output: 1, outcome: 'done' }, { now: T0 + 10 });
    await store.checkpoint(run!.id, run!.fence, { path: 'only-big', output: null, outcome: 'skipped' }, { now: T0 + 11 });
    await store.completeRun(run!.id, run!.fence, T0 + 12);
    assert.deepEqual(events.slice(1), [
      { type: 'run.claimed', at: T0 + 5, flowId: 'orders', runId: event.runId, eventId: event.id, attempt: 1, traceparent: undefined },
      { type: 'step.completed', at: T0 + 10, flowId: 'orders', runId: event.runId, path: 'map', outcome: 'done' },
      { type: 'step.completed', at: T0 + 11, flowId: 'orders', runId: event.runId, path: 'only-big', outcome: 'skipped' },
      { type: 'run.completed', at: T0 + 12, flowId: 'orders', runId: event.runId },
    ]);
    assert.equal((await store.getRun(event.runId))?.status, 'succeeded', 'told after the write, which committed');
  });

  it('tells retries, postponements, hand-backs and exceptions, counting attempts', async () => {
    const event = testEvent();
    await store.ingest(event);
    let [run] = await claim(T0);
    await store.scheduleRetry(run!.id, run!.fence, { stepPath: 'post', dueAt: T0 + 100, now: T0 + 1, error: 'HTTP 503' });
    [run] = await claim(T0 + 100);
    await store.postpone(run!.id, run!.fence, T0 + 200, T0 + 101);
    [run] = await claim(T0 + 200);
    await store.releaseRun(run!.id, run!.fence, T0 + 201);
    [run] = await claim(T0 + 201);
    const exceptionId = await store.parkException(run!.id, run!.fence, { reason: 'destination-down', message: 'The ERP is down.', stepPath: 'post', input: {}, lastResponse: null, now: T0 + 300 });

    assert.deepEqual(types().slice(1), [
      'run.claimed',
      'run.retry_scheduled',
      'run.claimed',
      'run.postponed',
      'run.claimed',
      'run.released',
      'run.claimed',
      'run.exception',
    ]);
    const claims = events.filter((e): e is Extract<StoreEvent, { type: 'run.claimed' }> => e.type === 'run.claimed');
    assert.deepEqual(claims.map((e) => e.attempt), [1, 2, 2, 2], 'a postponement and a hand-back spend no attempt');
    assert.deepEqual(events.find((e) => e.type === 'run.retry_scheduled'), {
      type: 'run.retry_scheduled',
      at: T0 + 1,
      flowId: 'orders',
      runId: event.runId,
      stepPath: 'post',
      dueAt: T0 + 100,
      error: 'HTTP 503',
    });
    assert.deepEqual(events.at(-1), {
      type: 'run.exception',
      at: T0 + 300,
      flowId: 'orders',
      runId: event.runId,
      exceptionId,
      reason: 'destination-down',
      stepPath: 'post',
      message: 'The ERP is down.',
    });
  });

  it('tells replays and discards of exceptions', async () => {
    const parked: string[] = [];
    const replayed = testEvent();
    for (const event of [replayed, testEvent()]) {
      await store.ingest(event);
      const [run] = await claim(T0);
      parked.push(await store.parkException(run!.id, run!.fence, { reason: 'validation', message: 'no email', stepPath: 'map', input: {}, lastResponse: null, now: T0 }));
    }
    await store.replayException(parked[0]!, { now: T0 + 10 });
    await store.discardException(parked[1]!, T0 + 20, 'a test order');
    assert.deepEqual(events.slice(-2), [
      { type: 'exception.replayed', at: T0 + 10, exceptionId: parked[0], runId: replayed.runId },
      { type: 'exception.discarded', at: T0 + 20, exceptionId: parked[1] },
    ]);
  });

  it('tells recorded calls as they were recorded', async () => {
    const call: NewCallRecord = {
      at: T0,
      flowId: 'orders',
      runId: 'run_any',
      stepPath: 'post',
      attempt: 1,
      method: 'POST',
      url: 'https://erp.example.com/orders',
      status: 201,
      durationMs: 12,
      requestHeaders: {},
      requestBody: '{}',
      responseHeaders: {},
      responseBody: '{"id":1}',
      error: null,
    };
    await store.recordCall(call);
    assert.deepEqual(events, [{ type: 'call.recorded', call }]);
    assert.equal((await store.listCalls({ runId: 'run_any', now: T0 })).length, 1);
  });

  it('tells nothing about a write that failed', async () => {
    await store.ingest(testEvent());
    const [run] = await claim(T0);
    const before = events.length;
    await assert.rejects(store.completeRun(run!.id, run!.fence + 1, T0 + 1), LeaseLostError);
    await assert.rejects(store.discardException('exc_missing', T0));
    assert.equal(events.length, before);
  });

  it('keeps the write when a listener throws, and reports the listener error', async () => {
    store.observe(() => {
      throw new Error('listener bug');
    });
    const event = testEvent();
    const outcome = await store.ingest(event);
    assert.equal(outcome.status, 'accepted');
    assert.equal(events.length, 1, 'other listeners still hear it');
    assert.deepEqual(
      listenerErrors.map((error) => (error as Error).message),
      ['listener bug'],
    );
    assert.equal((await store.getRun(event.runId))?.status, 'queued');
  });

  it('stops telling a listener that stopped listening, and passes other calls through', async () => {
    const later: StoreEvent[] = [];
    const stop = store.observe((event) => later.push(event));
    await store.ingest(testEvent());
    stop();
    await store.ingest(testEvent());
    assert.equal(later.length, 1);
    assert.equal(events.length, 2);
    assert.deepEqual((await store.countRuns('orders')).queued, 2);
    assert.deepEqual((await store.queueStats?.(T0))?.depthByFlow, { orders: 2 });
  });
});
