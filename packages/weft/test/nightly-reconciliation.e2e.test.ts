/**
 * The example's nightly reconciliation (examples/order-to-cash) over the Shopify and NetSuite
 * sandboxes, where one record is bad: a sales order deleted in NetSuite while still linked. That
 * order must become its own exception and report line, naming the link to remove, while the
 * rest of the night is reconciled.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { connectCommerceSandboxes, startCommerceSandboxes, type CommerceSandboxes } from '../src/demo/commerce-sandboxes.ts';
import type { ReconcileReportItem } from '../src/engine/steps/reconcile-step.ts';
import { commerceExampleFlows } from './support/commerce-examples.ts';
import { settledRuns, startTestWeft } from './support/weft-harness.ts';

// The sandboxes' state, as far as this test reads it.
interface ShopOrder { id: string; number: number; updatedAt: number }
interface ShopState { orders: { all(): ShopOrder[]; update(id: string, patch: Partial<ShopOrder>): unknown } }
interface ErpState { salesOrders: { all(): { id: string; externalId?: string }[]; remove(id: string): boolean } }

describe('the example’s nightly reconciliation', () => {
  let sandboxes: CommerceSandboxes;
  before(async () => {
    process.env.WEFT_MASTER_KEY = generateMasterKey();
    sandboxes = await startCommerceSandboxes();
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await sandboxes.close();
  });
  beforeEach(() => sandboxes.reset());

  const start = () => startTestWeft(commerceExampleFlows(), { prepare: (store) => connectCommerceSandboxes(store, sandboxes, process.env, Date.now()) });

  /** New Shopify orders, each run through order-to-cash to the end, then aged past the night's settle window. */
  async function placeOrders(weft: Awaited<ReturnType<typeof start>>, count: number): Promise<ShopOrder[]> {
    const { shop } = sandboxes.byConnection;
    const state = shop.state() as ShopState;
    const before = state.orders.all().length;
    await shop.webhooks.emit({ url: `${weft.url}/hooks/shopify/orders`, type: 'orders/create', count });
    const counts = await settledRuns(weft, 'order-to-cash', count, 60_000);
    assert.equal(counts.succeeded, count, JSON.stringify(await weft.store.listExceptions({ flowId: 'order-to-cash' })));
    const placed = state.orders.all().slice(before);
    for (const order of placed) state.orders.update(order.id, { updatedAt: Date.now() - 3_600_000 });
    return placed;
  }

  async function night(weft: Awaited<ReturnType<typeof start>>) {
    const nightly = weft.engine.flows().get('nightly-reconciliation')!;
    const accepted = await weft.engine.accept(nightly, { source: 'schedule', headers: {}, query: {}, body: { scheduledAt: new Date().toISOString() }, dedupeKey: 'tick:night-1' });
    await settledRuns(weft, 'nightly-reconciliation', 1, 60_000);
    const run = (await weft.store.getRun(accepted.runId))!;
    const [report] = await weft.store.reconciliations.list({ flowId: 'nightly-reconciliation', limit: 1 });
    const items = report === undefined ? [] : ((await weft.store.reconciliations.get(report.id))!.items as ReconcileReportItem[]);
    return { run, report, items, exceptions: await weft.store.listExceptions({ flowId: 'nightly-reconciliation' }) };
  }

  it('reconciles the night when one linked sales order was deleted in NetSuite: that order is its own exception, naming the link to remove', { timeout: 120_000 }, async () => {
    const { erp } = sandboxes.byConnection;
    const weft = await start();
    try {
      const [kept, deleted, other] = await placeOrders(weft, 3);
      const erpIdOf = async (order: ShopOrder) => (await weft.store.xref.find('order', { system: 'shop', id: order.id }))!.links.find((link) => link.system === 'erp')!.id;
      const gone = await erpIdOf(deleted!);
      assert.ok((erp.state() as ErpState).salesOrders.remove(gone), 'deleted in NetSuite, still linked');

      const { run, report, items, exceptions } = await night(weft);
      assert.equal(run.status, 'succeeded', JSON.stringify(exceptions.map((exception) => exception.message)));
      assert.deepEqual([report?.matched, report?.missing, report?.different], [2, 1, 0]);
      assert.deepEqual(items.map((item) => [item.sourceId, item.status, item.targetId, item.action?.kind]), [[deleted!.id, 'missing', gone, 'exception']]);
      const [repair] = await weft.store.listExceptions({ flowId: 'order-to-erp-redrive' });
      assert.equal(repair?.id, items[0]!.action!.exceptionId);
      assert.match(repair!.message, new RegExp(`^Order #${deleted!.number} in shop is linked to erp order ${gone}, .*weft xref unlink order erp:${gone}`));
      assert.ok(kept && other);
    } finally {
      await weft.close();
    }
  });
});
