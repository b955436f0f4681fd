/**
 * A call's audit record is started before its request leaves, and may wait after that: for the
 * commit of the effect's intent, a connection, the connection's rate limit. Once answered, its
 * `at` is when the request left and `durationMs` runs from there to the answer, so a trace span
 * from `at` to `at + durationMs` covers the request, not the wait before it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Agent } from 'undici';
import { bearer, defineAction, defineConnector, schema } from '@weft/sdk';
import { createSqliteStore, type SqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { ConnectorCallStep, HttpCallStep } from '../../flows/flow-schema.ts';
import type { CheckpointSink } from '../executor.ts';
import { executeCallStep, type CallContext } from './call-step.ts';
import { executeActionStep } from './action-step.ts';
import { listenOnLoopback } from '../../../test/support/loopback.ts';

const T0 = Date.UTC(2026, 0, 1);

describe("an answered call's at is when its request left", () => {
  let store: SqliteStore;
  let vendor: Server;
  let vendorUrl: string;
  let listening: Awaited<ReturnType<typeof listenOnLoopback>>;
  const dispatcher = new Agent();
  let now = T0;
  const clock = { now: () => now };

  before(async () => {
    store = createSqliteStore({ path: ':memory:' });
    vendor = createServer((req, res) => {
      req.resume();
      // The vendor takes 40 ms (of the test's clock) to answer.
      req.on('end', () => {
        now += 40;
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"SO-1"}');
      });
    });
    listening = await listenOnLoopback(vendor);
    vendorUrl = listening.url;
  });
  after(async () => {
    await dispatcher.close();
    await listening.close();
    await store.close();
  });

  /** A claimed run of `orders` and the context its call step gets; `onSettle` runs before each settle. */
  async function claimedCall(runId: string, onSettle: () => void = () => {}): Promise<CallContext> {
    now = T0;
    const receivedAt = new Date(T0).toISOString();
    const event = { id: `evt_${runId}`, source: 'webhook' as const, receivedAt, headers: {}, query: {}, body: {} };
    await store.ingest({ id: event.id, runId, flowId: 'orders', dedupeKey: runId, orderingKey: null, receivedAt: T0, event });
    await store.claimRuns({ workerId: 'worker', now: T0, leaseMs: 30_000, limit: 10, flowConcurrency: {}, flowIds: ['orders'] });
    const queued: Promise<unknown>[] = [];
    const writes: Pick<CheckpointSink, 'defer' | 'settle'> = {
      defer: (write) => void queued.push(write),
      settle: async () => {
        onSettle();
        await Promise.all(queued.splice(0));
      },
    };
    const flow = { flow: { id: 'orders' }, template: (text: string) => ({ render: async () => text }) } as unknown as LoadedFlow;
    return { flow, runId, eventId: event.id, stepPath: 'create', attempt: 1, signal: new AbortController().signal, writes };
  }

  it('a call step: after its intent committed', async () => {
    // The commit of the intent (and the record with it) takes 100 ms.
    const ctx = await claimedCall('run_call', () => (now += 100));
    const step = { id: 'create', call: { url: `${vendorUrl}/orders` } } as HttpCallStep;
    await executeCallStep({ store, clock, dispatcher, auditBodyBytes: 1024, redactFields: [], holds: new Map() }, ctx, step, {} as never);
    await ctx.writes.settle();
    const [call] = await store.listCalls({ runId: ctx.runId, now });
    assert.deepEqual([call?.status, call?.at, call?.durationMs], [201, T0 + 100, 40]);
  });

  it('a connector request: after the limiter let it go', async () => {
    const createOrder = defineAction({ id: 'create-order', name: 'Create an order', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'POST', path: '/orders' }) });
    const connector = defineConnector({ id: 'vendor', name: 'The vendor', baseUrl: 'https://vendor.invalid', auth: [bearer()], actions: [createOrder] });
    const ctx = await claimedCall('run_action');
    const step = { id: 'create', call: { connection: 'vendor', action: 'create-order' } } as ConnectorCallStep;
    const resolved = {
      connection: { id: 'vendor', connectorId: 'vendor', config: {} } as never,
      connector,
      baseUrl: vendorUrl,
      auth: { authorize: async () => {} },
      limiter: {
        acquire: async () => {
          now += 250; // the connection's bucket had no room for 250 ms
          return { status: 'granted' as const, release: async () => {} };
        },
        observe: async () => ({ isRateLimited: false }),
      },
    };
    const deps = { store, clock, dispatcher, auditBodyBytes: 1024, redactFields: [], holds: new Map(), connections: { registry: undefined as never, resolve: async () => resolved } };
    await executeActionStep(deps, ctx, step, {} as never);
    await ctx.writes.settle();
    const [call] = await store.listCalls({ runId: ctx.runId, now });
    assert.deepEqual([call?.status, call?.at, call?.durationMs], [201, T0 + 250, 40]);
  });
});
