/**
 * Events the engine commits parked, never to run before a person replays them: a delivery
 * refused at ingress, and a reconcile step's missing record handed to its repair flow as an
 * exception. The event, its parked run and its exception are one write: no crash between two
 * writes can leave a claimed run whose lease expires and which a worker then runs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import type { ConnectionRuntime } from '../connectors/connection-runtime.ts';
import { systemClock, systemRandom } from '../core/clock.ts';
import { loadFlows } from '../flows/load-flow.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import type { Store } from '../store/store.ts';
import { createExpressionEngine } from '../transforms/expression.ts';
import { createEngine } from './engine.ts';

const LEASE_MS = 30_000;

const ORDERS_FLOW = `id: orders
trigger: { manual: {} }
orderingKey: trigger.body.customer.id
steps:
  - id: total
    map: 'trigger.body.total * 2'
`;

/** An ordering key that cannot be read from every body: $number of a text fails. */
const ACCOUNTS_FLOW = `id: accounts
trigger: { manual: {} }
orderingKey: $number(trigger.body.account)
steps:
  - id: seen
    map: 'trigger.body.account'
`;

const NIGHTLY_FLOW = `id: nightly
trigger: { manual: {} }
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id }
      target: { system: erp, records: trigger.body.erp, id: customerId }
      onMissing: exception
      repairFlow: repair
`;

const REPAIR_FLOW = `id: repair
trigger: { manual: {} }
steps:
  - id: created
    map: 'trigger.body.id'
`;

/** An engine on SQLite whose store is `wrap`ped: a test makes a second write fail, as a crash between writes would. */
async function startEngine(wrap: (store: Store) => Store) {
  const dir = await mkdtemp(join(tmpdir(), 'weft-parked-'));
  for (const [name, text] of Object.entries({ 'orders.flow.yaml': ORDERS_FLOW, 'accounts.flow.yaml': ACCOUNTS_FLOW, 'nightly.flow.yaml': NIGHTLY_FLOW, 'repair.flow.yaml': REPAIR_FLOW })) {
    await writeFile(join(dir, name), text);
  }
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
    leaseMs: LEASE_MS,
    pollIntervalMs: 50,
    auditBodyBytes: 1024,
    redactFields: [],
    dispatcher: new Agent(),
    egressAllow: [],
    connections: {} as ConnectionRuntime,
  });
  const flow = (id: string) => flows.find((loaded) => loaded.flow.id === id)!;
  return {
    engine,
    store: sqlite,
    flow,
    /** What a worker could claim once every lease taken now has long expired. */
    claimableLater: (flowIds: string[]) =>
      sqlite.claimRuns({ workerId: 'later-worker', now: Date.now() + 10 * LEASE_MS, leaseMs: LEASE_MS, limit: 10, flowConcurrency: {}, flowIds }),
    async close(): Promise<void> {
      await engine.stop(1000);
      await sqlite.close();
      await expressions.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A store that cannot park a claimed run: the process died right after the ingest committed. */
function withoutParkException(store: Store): Store {
  return { ...store, parkException: () => Promise.reject(new Error('the process died before parking the run')) };
}

const refusedDelivery = (body: unknown, dedupeKey = 'vendor:evt_1') => ({
  source: 'webhook' as const,
  headers: {},
  query: {},
  body,
  dedupeKey,
  refused: 'The order does not match its trigger (/total: Expected number).',
});

describe('events the engine commits parked', () => {
  const opened: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const engine of opened) await engine.close();
  });

  it('parks a refused delivery with its exception in the ingest itself: nothing a worker could claim, even after any lease expired', async () => {
    const weft = await startEngine(withoutParkException);
    opened.push(weft);
    const answered = await weft.engine.accept(weft.flow('orders'), refusedDelivery({ total: 'seven', customer: { id: 'c1' } })).then(
      (outcome) => ({ outcome }),
      (error: unknown) => ({ error }),
    );
    assert.deepEqual(await weft.claimableLater(['orders']), [], 'a refused body must never run before someone replays it');
    assert.ok('outcome' in answered, `accepted in one write, not failed between two: ${'error' in answered ? String(answered.error) : ''}`);
    const { outcome } = answered;
    assert.equal(outcome.status, 'accepted');
    assert.equal((await weft.store.getRun(outcome.runId))?.status, 'exception');
    const [exception] = await weft.store.listExceptions({ flowId: 'orders' });
    assert.deepEqual([exception?.runId, exception?.reason, exception?.status], [outcome.runId, 'validation', 'open']);
    assert.equal((await weft.engine.accept(weft.flow('orders'), refusedDelivery({ total: 'seven' }))).status, 'duplicate');
  });

  it('parks a missing record handed to the repair flow as an exception in one write: the repair never runs unapproved', async () => {
    const weft = await startEngine(withoutParkException);
    opened.push(weft);
    const nightly = await weft.engine.accept(weft.flow('nightly'), { source: 'manual', headers: {}, query: {}, body: { shop: [{ id: 'cust-7' }], erp: [] } });
    const waitFor = async (what: string, isDone: () => Promise<boolean>) => {
      for (const deadline = Date.now() + 10_000; !(await isDone()); ) {
        if (Date.now() > deadline) throw new Error(`${what} did not happen in time`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await waitFor('the hand-off to the repair flow', async () => (await weft.store.listRuns({ flowId: 'repair' })).length > 0);
    assert.deepEqual(await weft.claimableLater(['repair']), [], 'a repair meant for a person must never run unapproved');
    await waitFor('the reconcile run to succeed', async () => (await weft.store.getRun(nightly.runId))?.status === 'succeeded');
    const [exception] = await weft.store.listExceptions({ flowId: 'repair' });
    assert.deepEqual([exception?.reason, exception?.stepPath, exception?.status, exception?.input], ['not-found', 'reconcile', 'open', { id: 'cust-7' }]);
    assert.equal((await weft.store.getRun(exception!.runId))?.status, 'exception');
  });

  it('keeps the ordering key a refused body gives, best effort; parked, the run holds back no later run of its key', async () => {
    const weft = await startEngine((store) => store);
    opened.push(weft);
    const refused = await weft.engine.accept(weft.flow('orders'), refusedDelivery({ total: 'seven', customer: { id: 'c1' } }));
    assert.equal((await weft.store.getRun(refused.runId))?.orderingKey, 'c1', 'replayed, it runs in the order of its key');
    const keyless = await weft.engine.accept(weft.flow('orders'), refusedDelivery({ total: 'seven' }, 'vendor:evt_2'));
    assert.equal((await weft.store.getRun(keyless.runId))?.orderingKey, null);
    const unreadable = await weft.engine.accept(weft.flow('accounts'), refusedDelivery({ account: 'A-1' }, 'vendor:evt_3'));
    assert.equal(unreadable.status, 'accepted', 'an ordering key that fails to evaluate on a refused body refuses nothing more');
    assert.deepEqual([(await weft.store.getRun(unreadable.runId))?.status, (await weft.store.getRun(unreadable.runId))?.orderingKey], ['exception', null]);

    const later = await weft.engine.accept(weft.flow('orders'), { source: 'manual', headers: {}, query: {}, body: { total: 2, customer: { id: 'c1' } } });
    for (const deadline = Date.now() + 10_000; (await weft.store.getRun(later.runId))?.status !== 'succeeded'; ) {
      if (Date.now() > deadline) throw new Error('a later run of the key was held back by the parked one');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await weft.store.getRun(refused.runId))?.status, 'exception');
  });
});
