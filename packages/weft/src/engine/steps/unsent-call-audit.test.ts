/**
 * A call's audit record is started before its request leaves. When the step fails after that
 * and before the request is handed to the network, the record goes again: left unanswered it
 * would read as interrupted ("the destination may have received it") and number the next
 * attempt as a second one.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Agent } from 'undici';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { createSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { LeaseLostError, StoreUnavailableError, type CallRequestRecord } from '../../store/store.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { ConnectorCallStep } from '../../flows/flow-schema.ts';
import type { CheckpointSink } from '../executor.ts';
import { idempotencyKey } from '../../core/ids.ts';
import { withEffectLedger, type CallContext } from './call-step.ts';
import { executeActionStep } from './action-step.ts';
import { listenOnLoopback } from '../../../test/support/loopback.ts';

const T0 = Date.UTC(2026, 0, 1);

/** The worker's run sink, as far as steps see it: the first failed write is thrown by every later settle. */
function runSink(): Pick<CheckpointSink, 'defer' | 'settle'> {
  let queued: Promise<void>[] = [];
  let failure: { error: unknown } | undefined;
  return {
    defer: (write) => {
      queued.push(write.then(() => undefined, (error: unknown) => void (failure ??= { error })));
    },
    async settle() {
      const writes = queued;
      queued = [];
      await Promise.all(writes);
      if (failure) throw failure.error;
    },
  };
}

function callContext(writes: CallContext['writes']): CallContext {
  return {
    flow: { flow: { id: 'orders' } } as LoadedFlow,
    runId: 'run_1',
    eventId: 'evt_1',
    stepPath: 'create',
    attempt: 1,
    signal: new AbortController().signal,
    writes,
  };
}

/** A run of `orders`, claimed as a worker would before executing it. */
async function claimedRun(store: SqliteStore, runId: string): Promise<void> {
  const receivedAt = new Date(T0).toISOString();
  await store.ingest({
    id: `evt_${runId}`,
    runId,
    flowId: 'orders',
    dedupeKey: runId,
    orderingKey: null,
    receivedAt: T0,
    event: { id: `evt_${runId}`, source: 'webhook', receivedAt, headers: {}, query: {}, body: {} },
  });
  const claimed = await store.claimRuns({ workerId: 'worker', now: T0, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds: ['orders'] });
  assert.ok(claimed.some((run) => run.id === runId));
}

describe('a call that fails before its request leaves keeps no audit record', () => {
  let store: SqliteStore;
  let vendor: Server;
  let vendorUrl: string;
  let listening: Awaited<ReturnType<typeof listenOnLoopback>>;
  let received = 0;
  const dispatcher = new Agent();

  before(async () => {
    store = createSqliteStore({ path: ':memory:' });
    vendor = createServer((req, res) => {
      received++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    listening = await listenOnLoopback(vendor);
    vendorUrl = listening.url;
  });
  after(async () => {
    await dispatcher.close();
    await listening.close();
    await store.close();
  });

  it('a call step whose earlier write failed after its intent and record committed', async () => {
    const writes = runSink();
    const ctx = { ...callContext(writes), runId: 'run_call' };
    await claimedRun(store, ctx.runId);
    // A checkpoint of the step before, refused: another worker took the run over meanwhile.
    writes.defer(Promise.reject(new LeaseLostError(ctx.runId)));
    const request: CallRequestRecord = {
      at: T0,
      flowId: 'orders',
      runId: ctx.runId,
      stepPath: 'create',
      attempt: 1,
      method: 'POST',
      url: `${vendorUrl}/orders`,
      requestHeaders: {},
      requestBody: null,
    };
    let sent = 0;
    await assert.rejects(
      withEffectLedger({ store, clock: { now: () => T0 }, holds: new Map() }, ctx, async () => sent++, { call: () => request }),
      LeaseLostError,
    );
    await writes.settle().catch(() => undefined); // as the worker does before it lets the run go
    assert.equal(sent, 0);
    assert.equal((await store.getEffect(idempotencyKey('orders', ctx.eventId, 'create')))?.status, 'pending', 'the intent (and the record with it) committed');
    assert.deepEqual(await store.listCalls({ runId: ctx.runId, now: T0 }), []);
  });

  it('a connector request whose record committed, but an earlier answer of the action did not', async () => {
    const twoOrders = defineAction({
      id: 'create-orders',
      name: 'Create two orders',
      input: schema.Object({}),
      output: schema.Unknown(),
      run: async ({ http }) => [await http.request({ method: 'POST', path: '/orders' }), await http.request({ method: 'POST', path: '/orders' })],
    });
    const connector = defineConnector({ id: 'vendor', name: 'The vendor', baseUrl: 'https://vendor.invalid', auth: [bearer()], actions: [twoOrders] });
    // The store cannot commit the first request's answer; the second request's record commits.
    const failingStore = { ...store, completeCall: async () => Promise.reject(new StoreUnavailableError('database is locked')) };
    const writes = runSink();
    const ctx = { ...callContext(writes), runId: 'run_action' };
    await claimedRun(store, ctx.runId);
    const step = { id: 'create', call: { connection: 'vendor', action: 'create-orders' } } as ConnectorCallStep;
    const deps = {
      store: failingStore,
      clock: { now: () => T0 },
      dispatcher,
      auditBodyBytes: 1024,
      redactFields: [],
      holds: new Map<string, number>(),
      connections: {
        registry: undefined as never,
        resolve: async () => ({
          connection: { id: 'vendor', connectorId: 'vendor', config: {} } as never,
          connector,
          baseUrl: vendorUrl,
          auth: { authorize: async () => {} },
          limiter: { acquire: async () => ({ status: 'granted' as const, release: async () => {} }), observe: async () => ({ isRateLimited: false }) },
        }),
      },
    };
    const before = received;
    await assert.rejects(executeActionStep(deps, ctx, step, {} as never), StoreUnavailableError);
    await writes.settle().catch(() => undefined);
    assert.equal(received, before + 1, 'only the first request left');
    const calls = await store.listCalls({ runId: ctx.runId, now: T0 });
    // The first left and its answer was lost: unanswered is what is known of it.
    assert.deepEqual(
      calls.map((call) => [call.attempt, call.status]),
      [[1, null]],
    );
  });
});
