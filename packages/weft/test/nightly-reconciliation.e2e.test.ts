/**
 * The example's nightly reconciliation (examples/order-to-cash). Its comparison must compare like
 * with like on an order with shipping, as the vendors send it (the sandboxes charge no shipping).
 * Over the Shopify and NetSuite sandboxes, one record is bad: a sales order deleted in NetSuite
 * while still linked. That order must become its own exception and report line, naming the link
 * to remove, while the rest of the night is reconciled.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sameValue } from '../src/engine/steps/reconcile-compare.ts';
import type { ReconcileStep } from '../src/flows/flow-schema.ts';
import { loadFlows } from '../src/flows/load-flow.ts';
import { createExpressionEngine } from '../src/transforms/expression.ts';
import type { ReconcileReportItem } from '../src/engine/steps/reconcile-step.ts';
import { COMMERCE_EXAMPLE_DIR, useCommerceSandboxes } from './support/commerce-examples.ts';
import { settledRuns } from './support/weft-harness.ts';

// The sandboxes' state, as far as this test reads it.
interface ShopOrder { id: string; number: number; updatedAt: number }
interface ShopState { orders: { all(): ShopOrder[]; update(id: string, patch: Partial<ShopOrder>): unknown } }
interface ErpState { salesOrders: { all(): { id: string; externalId?: string }[]; remove(id: string): boolean } }

/** A Shopify list-orders node of an order of two lines (24.00) with 7.95 shipping and 2.56 tax, as the Admin API gives it. */
const shopifyOrder = (subtotal: string) => ({
  id: 'gid://shopify/Order/6000000023',
  name: '#1001',
  updatedAt: '2026-11-26T10:15:00Z',
  currencyCode: 'USD',
  totalPriceSet: { shopMoney: { amount: '34.51', currencyCode: 'USD' }, presentmentMoney: { amount: '34.51', currencyCode: 'USD' } },
  subtotalPriceSet: { shopMoney: { amount: subtotal, currencyCode: 'USD' } },
});
/** NetSuite's sales order of it: the same lines, and NetSuite's own shipping and tax in its total. */
const netsuiteSalesOrder = (subTotal: number) => ({ internalId: '8801', externalId: 'shopify-order-6000000023', subTotal, total: 35.1, itemList: [] });

describe('the example’s nightly reconciliation: what it compares', () => {
  it('compares an order with shipping like with like: equal when the lines agree, different when they do not', { timeout: 30_000 }, async () => {
    const expressions = createExpressionEngine();
    try {
      const { flows, diagnostics } = await loadFlows([`${COMMERCE_EXAMPLE_DIR}flows`], { engine: expressions, env: {} });
      assert.deepEqual(diagnostics, []);
      const nightly = flows.find((loaded) => loaded.flow.id === 'nightly-reconciliation')!;
      const { source, target } = (nightly.flow.steps.find((step) => step.id === 'compare') as ReconcileStep).reconcile;
      const compared = async (shop: unknown, erp: unknown) => [await nightly.expression(source.compare!).evaluate(shop as never), await nightly.expression(target.compare!).evaluate(erp as never)];
      const [agreeing, its] = await compared(shopifyOrder('24.00'), netsuiteSalesOrder(24));
      assert.ok(sameValue(agreeing, its), `an order whose lines agree is matched, shipping or not (compared ${JSON.stringify(agreeing)} with ${JSON.stringify(its)})`);
      const [shop, erp] = await compared(shopifyOrder('24.00'), netsuiteSalesOrder(19));
      assert.equal(sameValue(shop, erp), false, 'a sales order missing a line is different');
    } finally {
      await expressions.close();
    }
  });
});

describe('the example’s nightly reconciliation over the sandboxes', () => {
  const { sandboxes, start } = useCommerceSandboxes();

  /** New Shopify orders, each run through order-to-cash to the end, then aged past the night's settle window. */
  async function placeOrders(weft: Awaited<ReturnType<typeof start>>, count: number): Promise<ShopOrder[]> {
    const { shop } = sandboxes().byConnection;
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
    const { erp } = sandboxes().byConnection;
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
