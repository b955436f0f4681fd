/**
 * Order to cash, end to end, over the vendors' sandboxes: Shopify order webhooks (each delivered
 * twice) run the example flows of examples/order-to-cash, through a 429 burst at Stripe and a
 * NetSuite outage, with one SKU NetSuite does not know. Effects are counted at each sandbox:
 * every order exactly once in NetSuite, Stripe, QuickBooks, FedEx and Shopify, one text per buyer
 * with a phone; each order with the unknown SKU parks with a readable reason, is announced in
 * Slack, and a replay with edited input completes it, once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateMasterKey } from '../src/connectors/vault/master-key.ts';
import { connectCommerceSandboxes, startCommerceSandboxes, type CommerceSandboxes } from '../src/demo/commerce-sandboxes.ts';
import type { RunningWeft } from '../src/main.ts';
import { commerceExampleFlows, waitFor } from './support/commerce-examples.ts';
import { startTestWeft } from './support/weft-harness.ts';

const UNKNOWN_SKU = 'WEFT-CAP-BLUE';
const REPLACEMENT_SKU = 'WEFT-CAP-RED';
const ORDERS = 10;

// The sandboxes' state, as far as this test reads it.
interface ShopOrder { id: string; number: number; customerId: string; lineItems: { sku: string }[] }
interface ShopState {
  orders: { all(): ShopOrder[] };
  customers: { get(id: string): { phone: string | null } | undefined };
  fulfillments: { all(): { orderId: string; tracking: { number: string }[] }[] };
}
interface Books { invoices: { all(): { Id: string; PrivateNote?: string }[] }; payments: { all(): { Line: { LinkedTxn: { TxnId: string }[] }[] }[] } }

describe('order to cash over the sandboxes', () => {
  let sandboxes: CommerceSandboxes;
  before(async () => {
    process.env.WEFT_MASTER_KEY = generateMasterKey();
    sandboxes = await startCommerceSandboxes({ skusMissingInErp: [UNKNOWN_SKU] });
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await sandboxes.close();
  });

  it('puts every order into each system exactly once through faults and redeliveries; unknown SKUs park, are announced, and replay once', { timeout: 180_000 }, async () => {
    const { shop, erp, payments, books, carrier, sms, chat } = sandboxes.byConnection;
    const weft: RunningWeft = await startTestWeft(commerceExampleFlows(), { prepare: (store) => connectCommerceSandboxes(store, sandboxes, process.env, Date.now()) });
    try {
      const shopState = () => shop.state() as ShopState;
      const seededOrders = shopState().orders.all().length;
      const seededTexts = (sms.state() as { messages: Map<string, unknown> }).messages.size;
      const seededLabels = new Set([...(carrier.state() as { shipments: Map<string, { masterTrackingNumber: string }> }).shipments.values()].map((s) => s.masterTrackingNumber));

      payments.faults.set({ rateLimit: { count: 3, retryAfterSeconds: 1 } });
      erp.faults.set({ outageUntil: Date.now() + 3_000 });
      const deliveries = await shop.webhooks.emit({ url: `${weft.url}/hooks/shopify/orders`, type: 'orders/create', count: ORDERS, duplicate: true });
      assert.equal(deliveries.length, 2 * ORDERS);
      assert.ok(deliveries.every((delivery) => delivery.status === 202 || delivery.status === 200), JSON.stringify(deliveries.map((d) => d.status)));

      const orders = shopState().orders.all().slice(seededOrders);
      assert.equal(orders.length, ORDERS);
      const withUnknownSku = orders.filter((order) => order.lineItems.some((line) => line.sku === UNKNOWN_SKU));
      assert.ok(withUnknownSku.length > 0, 'the shop sells the SKU NetSuite does not know');

      const counts = await waitFor('order runs', () => weft.store.countRuns('order-to-cash'), (c) => c.succeeded + c.exception === ORDERS);
      assert.deepEqual([counts.succeeded, counts.exception], [ORDERS - withUnknownSku.length, withUnknownSku.length]);
      assert.ok(erp.requests().some((r) => r.status === 503), 'NetSuite was down for a while');
      assert.ok(payments.requests().some((r) => r.status === 429), 'Stripe answered 429');

      // Each unknown SKU is an exception with a sentence a person can act on, announced in #ops.
      const exceptions = await weft.store.listExceptions({ flowId: 'order-to-cash' });
      for (const exception of exceptions) {
        assert.equal(exception.stepPath, 'sales_order');
        assert.match(exception.message, new RegExp(`^NetSuite rejected order #\\d+: .*${UNKNOWN_SKU}`));
      }
      await waitFor('announcements', () => weft.store.countRuns('announce-exceptions'), (c) => c.succeeded === withUnknownSku.length);
      const posted = (chat.state() as { messages: { channel: string; text: string }[] }).messages;
      assert.equal(posted.length, withUnknownSku.length);
      assert.ok(posted.every((message) => message.channel === 'C0SBX0007' && message.text.includes(UNKNOWN_SKU) && /weft replay exc_/.test(message.text)), JSON.stringify(posted));

      // An operator swaps the SKU and replays: each of those orders completes, once.
      for (const exception of exceptions) {
        const input = JSON.parse(JSON.stringify(exception.input).replaceAll(UNKNOWN_SKU, REPLACEMENT_SKU));
        await weft.store.replayException(exception.id, { now: Date.now(), input });
      }
      weft.engine.kick();
      await waitFor('replayed runs', () => weft.store.countRuns('order-to-cash'), (c) => c.succeeded === ORDERS);

      // Exactly once, counted at each vendor.
      const once = (what: string, count: (order: ShopOrder) => number) => {
        for (const order of orders) assert.equal(count(order), 1, `${what} of order #${order.number}`);
      };
      const numericId = (order: ShopOrder) => order.id.split('/').pop();
      const salesOrders = (erp.state() as { salesOrders: { all(): { externalId?: string }[] } }).salesOrders.all();
      once('NetSuite sales orders', (order) => salesOrders.filter((so) => so.externalId === `shopify-order-${numericId(order)}`).length);
      const intents = (payments.state() as { paymentIntents: { all(): { status: string; metadata: Record<string, string> }[] } }).paymentIntents.all();
      once('Stripe payments', (order) => intents.filter((pi) => pi.status === 'succeeded' && pi.metadata.order_shop === `#${order.number}`).length);
      const [realm] = (books.state() as { realms: Map<string, Books> }).realms.values();
      const invoices = realm!.invoices.all();
      once('QuickBooks invoices', (order) => invoices.filter((invoice) => invoice.PrivateNote === `Order #${order.number}`).length);
      const invoiceOf = (order: ShopOrder) => invoices.find((invoice) => invoice.PrivateNote === `Order #${order.number}`)!.Id;
      once('QuickBooks payments', (order) => realm!.payments.all().filter((payment) => payment.Line.some((line) => line.LinkedTxn.some((txn) => txn.TxnId === invoiceOf(order)))).length);
      const labels = new Set([...(carrier.state() as { shipments: Map<string, { masterTrackingNumber: string }> }).shipments.values()].map((s) => s.masterTrackingNumber).filter((n) => !seededLabels.has(n)));
      assert.equal(labels.size, ORDERS, 'FedEx labels');
      const fulfillments = shopState().fulfillments.all();
      once('Shopify fulfillments', (order) => fulfillments.filter((f) => f.orderId === order.id).length);
      for (const order of orders) {
        const tracking = fulfillments.find((f) => f.orderId === order.id)!.tracking[0]!.number;
        assert.ok(labels.has(tracking), `order #${order.number} is fulfilled with its FedEx tracking number`);
      }
      const texts = [...(sms.state() as { messages: Map<string, { to: string; body: string }> }).messages.values()].slice(seededTexts);
      const buyersWithPhone = orders.filter((order) => shopState().customers.get(order.customerId)?.phone);
      assert.equal(texts.length, buyersWithPhone.length, 'one text per order whose buyer has a phone');
      for (const order of buyersWithPhone) assert.equal(texts.filter((text) => text.body.includes(`#${order.number}`)).length, 1);
    } finally {
      await weft.close();
    }
  });
});
