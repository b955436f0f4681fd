/**
 * The other commerce examples of examples/order-to-cash, end to end over the vendors' sandboxes:
 * NetSuite stock follows into Shopify once per change, a Shopify refund is refunded in Stripe
 * and credited in QuickBooks once however often it arrives, and the nightly reconciliation finds
 * an order NetSuite lacks and a replay of its exception puts it there, once. Last, the example's
 * own flow tests pass under `weft test`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { runWeft } from '../src/cli/testing.ts';
import { COMMERCE_EXAMPLE_DIR, useCommerceSandboxes, waitFor } from './support/commerce-examples.ts';
import { settledRuns } from './support/weft-harness.ts';

// The sandboxes' state, as far as this test reads it.
interface ShopOrder { id: string; number: number; customerId: string; updatedAt: number }
interface ShopState {
  orders: { all(): ShopOrder[]; update(id: string, patch: Partial<ShopOrder>): unknown };
  variants: { all(): { sku: string; inventoryItemId: string }[] };
  inventory: Map<string, { available: number }>;
  adjustmentGroups: { all(): { changes: { inventoryItemId: string; quantityAfterChange: number }[] }[] };
}
interface ErpState {
  items: { all(): { id: string; itemId: string; quantities: { locationId: string; onHand: number; committed: number }[] }[]; update(id: string, patch: object): unknown };
  salesOrders: { all(): { id: string; externalId?: string }[]; remove(id: string): boolean };
}
interface StripeState { paymentIntents: { all(): { id: string; metadata: Record<string, string> }[] }; refunds: { all(): { payment_intent: string; amount: number }[] } }
interface Books { creditMemos: { all(): { CustomerRef: { value: string }; TotalAmt: number }[] } }

/** The Shopify location the inventory-sync flow sells NetSuite location 1 from. */
const SHOP_LOCATION = 'gid://shopify/Location/70000000001';

describe('the commerce examples over the sandboxes', () => {
  const { sandboxes, start } = useCommerceSandboxes();

  /** New Shopify orders, each run through order-to-cash to the end. */
  async function placeOrders(weft: Awaited<ReturnType<typeof start>>, count: number): Promise<ShopOrder[]> {
    const { shop } = sandboxes().byConnection;
    const before = (shop.state() as ShopState).orders.all().length;
    await shop.webhooks.emit({ url: `${weft.url}/hooks/shopify/orders`, type: 'orders/create', count });
    const counts = await settledRuns(weft, 'order-to-cash', count, 60_000);
    assert.equal(counts.succeeded, count, JSON.stringify(await weft.store.listExceptions({ flowId: 'order-to-cash' })));
    return (shop.state() as ShopState).orders.all().slice(before);
  }

  it('sets a Shopify variant’s available quantity when NetSuite’s changes, once per change', { timeout: 60_000 }, async () => {
    const { shop, erp } = sandboxes().byConnection;
    // The example polls NetSuite every 5 minutes; the test cannot wait that long between polls.
    const weft = await start((text) => text.replace('every: 5m', 'every: 200ms'));
    try {
      const items = (erp.state() as ErpState).items.all();
      // The first poll sees every item once: the shop's SKUs are set, NetSuite's others end early.
      assert.equal((await settledRuns(weft, 'inventory-sync', items.length)).succeeded, items.length);

      const mug = items.find((item) => item.itemId === 'WEFT-MUG')!;
      const { inventoryItemId } = (shop.state() as ShopState).variants.all().find((variant) => variant.sku === 'WEFT-MUG')!;
      const shopAvailable = () => (shop.state() as ShopState).inventory.get(`${inventoryItemId} ${SHOP_LOCATION}`)?.available;
      const changesOfMug = () => (shop.state() as ShopState).adjustmentGroups.all().filter((group) => group.changes.some((change) => change.inventoryItemId === inventoryItemId)).length;
      const changesBefore = changesOfMug();

      // 9 of the warehouse's mugs are committed to orders: 9 fewer are available to sell.
      (erp.state() as ErpState).items.update(mug.id, { quantities: mug.quantities.map((stock) => (stock.locationId === '1' ? { ...stock, committed: 9 } : stock)) });
      const expected = mug.quantities.find((stock) => stock.locationId === '1')!.onHand - 9;
      await waitFor('the mug’s available quantity in Shopify', shopAvailable, (available) => available === expected);

      // Later polls find nothing new: no second run (in any state), no second adjustment.
      const polls = erp.requests().length;
      await waitFor('two more polls', () => erp.requests().length, (requests) => requests >= polls + 2);
      const runs = Object.values(await weft.store.countRuns('inventory-sync')).reduce((sum, count) => sum + count, 0);
      assert.equal(runs, items.length + 1);
      assert.equal(changesOfMug(), changesBefore + 1);
    } finally {
      await weft.close();
    }
  });

  it('refunds a Shopify refund from the order’s Stripe payment and credits it in QuickBooks, once however often it arrives', { timeout: 90_000 }, async () => {
    const { shop, payments, books } = sandboxes().byConnection;
    const weft = await start();
    try {
      const [order] = await placeOrders(weft, 1);
      const intent = (payments.state() as StripeState).paymentIntents.all().find((pi) => pi.metadata.order_shop === `#${order!.number}`)!;
      const [realm] = (books.state() as { realms: Map<string, Books> }).realms.values();
      const creditMemosBefore = realm!.creditMemos.all().length;

      // Shopify retries with the same webhook id; the ingress acknowledges the repeat.
      const url = `${weft.url}/hooks/shopify/refunds`;
      const [delivery, repeat] = await shop.webhooks.emit({ url, type: 'refunds/create', data: { order: order!.id }, duplicate: true });
      assert.deepEqual([delivery?.status, repeat?.status], [202, 200]);
      assert.equal((await settledRuns(weft, 'refunds', 1)).succeeded, 1, JSON.stringify(await weft.store.listExceptions({ flowId: 'refunds' })));
      // The same refund under another webhook id (a second subscription) is a second run, which the xref keeps from refunding again.
      const again = await fetch(url, { method: 'POST', headers: { ...delivery!.headers, 'x-shopify-webhook-id': randomUUID() }, body: delivery!.body });
      assert.equal(again.status, 202);
      assert.equal((await settledRuns(weft, 'refunds', 2)).succeeded, 2);

      const refunds = (payments.state() as StripeState).refunds.all().filter((refund) => refund.payment_intent === intent.id);
      const refunded = JSON.parse(delivery!.body) as { transactions: { amount: string }[] };
      assert.deepEqual(refunds.map((refund) => refund.amount), [Math.round(Number(refunded.transactions[0]!.amount) * 100)]);
      const creditMemos = realm!.creditMemos.all().slice(creditMemosBefore);
      assert.equal(creditMemos.length, 1);
      assert.equal(creditMemos[0]!.TotalAmt, Number(refunded.transactions[0]!.amount));
      const buyer = await weft.store.xref.find('customer', { system: 'shop', id: order!.customerId });
      assert.equal(creditMemos[0]!.CustomerRef.value, buyer?.links.find((link) => link.system === 'books')?.id, 'credited to the QuickBooks customer order-to-cash invoiced');
    } finally {
      await weft.close();
    }
  });

  it('reconciles the night’s orders against NetSuite, parks the missing one, and a replay puts it there once', { timeout: 90_000 }, async () => {
    const { erp } = sandboxes().byConnection;
    const weft = await start();
    try {
      const [kept, lost] = await placeOrders(weft, 2);
      // The lost order never reached NetSuite, as if its order-to-cash run had stopped before the sales order.
      const externalId = `shopify-order-${lost!.id.split('/').pop()}`;
      const salesOrdersOf = () => (erp.state() as ErpState).salesOrders.all().filter((so) => so.externalId === externalId);
      assert.ok((erp.state() as ErpState).salesOrders.remove(salesOrdersOf()[0]!.id));
      assert.ok(await weft.store.xref.unlink('order', { system: 'shop', id: lost!.id }));
      // The night runs an hour after the orders: past the reconciliation's 15 minutes to settle.
      const { shop } = sandboxes().byConnection;
      for (const order of [kept!, lost!]) (shop.state() as ShopState).orders.update(order.id, { updatedAt: Date.now() - 3_600_000 });

      const nightly = weft.engine.flows().get('nightly-reconciliation')!;
      const night = async (n: number) => {
        await weft.engine.accept(nightly, { source: 'schedule', headers: {}, query: {}, body: { scheduledAt: new Date().toISOString() }, dedupeKey: `tick:night-${n}` });
        assert.equal((await settledRuns(weft, 'nightly-reconciliation', n)).succeeded, n, JSON.stringify(await weft.store.listExceptions({ flowId: 'nightly-reconciliation' })));
        const [report] = await weft.store.reconciliations.list({ flowId: 'nightly-reconciliation', limit: 1 });
        return report!;
      };
      const first = await night(1);
      assert.deepEqual([first.matched, first.missing, first.different], [1, 1, 0]);
      const [exception] = await weft.store.listExceptions({ flowId: 'order-to-erp-redrive' });
      assert.equal(exception?.reason, 'not-found');
      assert.equal(exception?.message, `Order #${lost!.number} in shop has no order in erp.`);
      assert.equal(salesOrdersOf().length, 0, 'an exception waits for a person');

      await weft.store.replayException(exception!.id, { now: Date.now() });
      weft.engine.kick();
      assert.equal((await settledRuns(weft, 'order-to-erp-redrive', 1)).succeeded, 1);
      const [recreated] = salesOrdersOf();
      assert.equal(salesOrdersOf().length, 1);
      assert.equal((await weft.store.xref.find('order', { system: 'shop', id: lost!.id }))?.links.find((link) => link.system === 'erp')?.id, recreated!.id);

      // The next night both orders match and nothing is handed over again.
      const second = await night(2);
      assert.deepEqual([second.matched, second.missing, second.different], [2, 0, 0]);
      assert.equal((await weft.store.listExceptions({ flowId: 'order-to-erp-redrive' })).length, 1);
      assert.ok((await weft.store.xref.find('order', { system: 'shop', id: kept!.id }))?.links.some((link) => link.system === 'erp'));
    } finally {
      await weft.close();
    }
  });

  it('passes the example’s own flow tests under `weft test`', { timeout: 90_000 }, async () => {
    const testFiles = readdirSync(`${COMMERCE_EXAMPLE_DIR}tests`).filter((name) => name.endsWith('.test.yaml'));
    const cases = testFiles.reduce((sum, name) => sum + (readFileSync(`${COMMERCE_EXAMPLE_DIR}tests/${name}`, 'utf8').match(/^ {2}- name: /gm) ?? []).length, 0);
    const result = await runWeft(['test'], { cwd: COMMERCE_EXAMPLE_DIR, env: { NO_COLOR: '1' } });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`\\n${cases} passed, 0 failed\\n$`));
  });
});
