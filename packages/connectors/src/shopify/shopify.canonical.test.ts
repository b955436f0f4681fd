import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { canonical, type CanonicalCustomer, type CanonicalInventoryLevel, type CanonicalShipment, type Infer } from '@weft/sdk';
import { createTestHttpClient, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { createCustomer } from './create-customer.action.ts';
import { createFulfillment } from './create-fulfillment.action.ts';
import { getCustomer } from './get-customer.action.ts';
import { getFulfillmentOrders } from './get-fulfillment-orders.action.ts';
import { getOrder } from './get-order.action.ts';
import { listVariantsBySku } from './list-variants-by-sku.action.ts';
import { seedShop, type ShopOrder, type ShopState } from './sandbox-shop.ts';
import { setInventoryQuantities } from './set-inventory-quantities.action.ts';
import {
  canonicalToCustomer,
  canonicalToFulfillment,
  canonicalToInventoryQuantities,
  customerToCanonical,
  orderToCanonical,
  orderWebhookBody,
  orderWebhookToCanonical,
  refundWebhookBody,
  refundWebhookToCanonical,
  variantToCanonical,
} from './shopify.canonical.ts';
import { shopify } from './shopify.connector.ts';
import { SEED_EPOCH_MS, SEED_LOCATION } from './shopify.fixtures.ts';
import { startShopifySandbox, type ShopifySandbox } from './shopify.sandbox.ts';
import { orderPayload, refundPayload } from './webhook-payloads.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';


type OrderBody = Infer<typeof orderWebhookBody>;
type RefundBody = Infer<typeof refundWebhookBody>;

/** A fresh seeded shop per test: the payload builders read and the tests change its state. */
function shop(): { state: ShopState; order: ShopOrder } {
  const state = seedShop(SEED_EPOCH_MS);
  return { state, order: state.orders.all()[0]! };
}

/** The sandbox's orders/create body, as the mapping's input schema must accept it. */
function orderBody(state: ShopState, order: ShopOrder): OrderBody {
  const body = orderPayload(state, order);
  assertMatchesSchema(orderWebhookToCanonical.input, body, 'the sandbox order body');
  return body as OrderBody;
}

const moneySet = (amount: string, currency: string, presentment?: { amount: string; currency: string }) => ({
  shop_money: { amount, currency_code: currency },
  presentment_money: presentment === undefined ? { amount, currency_code: currency } : { amount: presentment.amount, currency_code: presentment.currency },
});

describe('shopify order webhooks → canonical order', () => {
  it('maps the sandbox\'s orders/create body: number, money, statuses, customer, address, lines', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const mapped = orderWebhookToCanonical.map(body);
    assertMatchesSchema(canonical.Order, mapped, 'canonical order');
    assert.equal(mapped.number, '#1001');
    assert.deepEqual(mapped.ids, { shopify: order.id });
    assert.equal(mapped.status, 'confirmed');
    assert.equal(mapped.financialStatus, 'paid');
    assert.equal(mapped.currency, 'EUR');
    assert.deepEqual(mapped.total, { amount: body.total_price, currency: 'EUR' });
    assert.equal(mapped.placedAt, body.created_at);
    const buyer = state.customers.get(order.customerId!)!;
    assert.deepEqual(mapped.customer, {
      ids: { shopify: buyer.id },
      email: buyer.email,
      firstName: buyer.firstName,
      lastName: buyer.lastName,
      phone: buyer.phone,
    });
    assert.deepEqual(mapped.shippingAddress, { name: 'Ada Lovelace', lines: ['1 Loom Street'], city: 'London', postalCode: 'EC1A 1BB', country: 'GB' });
    assert.deepEqual(
      mapped.lines.map((line) => [line.sku, line.quantity.value, line.unitPrice.amount, line.total.amount]),
      order.lineItems.map((line) => [line.sku, String(line.quantity), line.price, (Number(line.price) * line.quantity).toFixed(2)]),
    );
  });

  it('prefers shop money from *_set over presentment money, and computes line totals after discounts from strings', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const [first] = body.line_items;
    // What Shopify adds to the sandbox's body for a buyer paying in USD in a EUR shop, with a
    // discount code and VAT: amounts in both currencies, allocations and tax lines per line.
    const shopified: OrderBody = {
      ...body,
      line_items: [
        {
          ...first!,
          quantity: 3,
          price: '10.10',
          price_set: moneySet('10.10', 'EUR', { amount: '11.00', currency: 'USD' }),
          discount_allocations: [{ amount: '0.10', amount_set: moneySet('0.10', 'EUR') }, { amount: '0.20', amount_set: moneySet('0.20', 'EUR') }],
          tax_lines: [{ price: '5.70', price_set: moneySet('5.70', 'EUR') }],
        },
      ],
      subtotal_price: '30.00',
      subtotal_price_set: moneySet('30.00', 'EUR', { amount: '32.70', currency: 'USD' }),
      total_price: '40.70',
      total_price_set: moneySet('40.70', 'EUR', { amount: '44.36', currency: 'USD' }),
      total_tax_set: moneySet('5.70', 'EUR'),
      total_discounts_set: moneySet('0.30', 'EUR'),
      total_shipping_price_set: moneySet('5.00', 'EUR'),
    };
    const mapped = orderWebhookToCanonical.map(shopified);
    assertMatchesSchema(canonical.Order, mapped, 'canonical order');
    assert.deepEqual(mapped.lines[0], {
      ids: { shopify: first!.admin_graphql_api_id },
      sku: first!.sku,
      name: first!.name,
      quantity: { value: '3', unit: 'each' },
      unitPrice: { amount: '10.10', currency: 'EUR' },
      discount: { amount: '0.30', currency: 'EUR' },
      tax: { amount: '5.70', currency: 'EUR' },
      // 3 × 10.10 − 0.30 in decimal, not 30.299999999999997.
      total: { amount: '30.00', currency: 'EUR' },
    });
    assert.deepEqual([mapped.subtotal, mapped.shipping, mapped.tax, mapped.discount, mapped.total].map((money) => money?.amount), ['30.00', '5.00', '5.70', '0.30', '40.70']);
    assert.ok([mapped.subtotal, mapped.total].every((money) => money.currency === 'EUR'));
    // An older body says a line's discount only as total_discount.
    const legacy = orderWebhookToCanonical.map({ ...body, line_items: [{ ...first!, quantity: 2, price: '25.00', total_discount: '2.50' }] });
    assert.deepEqual([legacy.lines[0]!.discount?.amount, legacy.lines[0]!.total.amount], ['2.50', '47.50']);
  });

  it('keeps a zero-decimal currency whole and a three-decimal one to the mil', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const line = body.line_items[0]!;
    const yen = orderWebhookToCanonical.map({ ...body, currency: 'JPY', line_items: [{ ...line, quantity: 2, price: '1500' }], subtotal_price: '3000', total_price: '3000' });
    assertMatchesSchema(canonical.Order, yen, 'JPY order');
    assert.deepEqual([yen.lines[0]!.unitPrice, yen.lines[0]!.total, yen.total], [{ amount: '1500', currency: 'JPY' }, { amount: '3000', currency: 'JPY' }, { amount: '3000', currency: 'JPY' }]);
    const dinar = orderWebhookToCanonical.map({ ...body, currency: 'KWD', line_items: [{ ...line, quantity: 3, price: '1.125' }], subtotal_price: '3.375', total_price: '3.375' });
    assertMatchesSchema(canonical.Order, dinar, 'KWD order');
    assert.deepEqual([dinar.lines[0]!.total.amount, dinar.total.amount], ['3.375', '3.375']);
  });

  it('keeps the shop\'s timezone offset exactly as Shopify wrote it', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const mapped = orderWebhookToCanonical.map({ ...body, created_at: '2026-03-08T01:59:59-05:00', updated_at: '2026-03-08T03:00:00-04:00' });
    assert.equal(mapped.placedAt, '2026-03-08T01:59:59-05:00');
    assert.equal(mapped.updatedAt, '2026-03-08T03:00:00-04:00');
    assert.throws(() => orderWebhookToCanonical.map({ ...body, created_at: '2026-03-08 01:59:59' }), /created_at: "2026-03-08 01:59:59" is not an ISO 8601 date-time with an offset/);
  });

  it('leaves out a missing shipping address, maps a billing address, and refuses half an address', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const billing = { first_name: 'Ada', last_name: 'Lovelace', address1: '12 St James\'s Square', address2: 'Flat 3', city: 'London', province_code: 'ENG', zip: 'SW1Y 4JH', country_code: 'GB', phone: '+44 20 7946 0000', company: 'Analytical Engines Ltd' };
    const mapped = orderWebhookToCanonical.map({ ...body, shipping_address: null, billing_address: billing });
    assertMatchesSchema(canonical.Order, mapped, 'order without a shipping address');
    assert.equal('shippingAddress' in mapped, false);
    assert.deepEqual(mapped.billingAddress, {
      name: 'Ada Lovelace',
      company: 'Analytical Engines Ltd',
      lines: ['12 St James\'s Square', 'Flat 3'],
      city: 'London',
      region: 'ENG',
      postalCode: 'SW1Y 4JH',
      country: 'GB',
      phone: '+442079460000',
    });
    const local = orderWebhookToCanonical.map({ ...body, billing_address: { ...billing, phone: '020 7946 0000' } });
    assert.equal(local.billingAddress?.phone, undefined, 'a phone without a country code is not guessed into E.164');
    assert.throws(() => orderWebhookToCanonical.map({ ...body, shipping_address: { ...billing, city: null, country_code: '' } }), /the shipping address has no city, country code/);
  });

  it('refuses a line without a SKU, naming the line', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const giftWrap = { ...body.line_items[0]!, id: 13311, sku: null, title: 'Gift wrap', name: 'Gift wrap' };
    assert.throws(() => orderWebhookToCanonical.map({ ...body, line_items: [...body.line_items, giftWrap] }), /line item 13311 \("Gift wrap"\) has no SKU/);
    assert.throws(() => orderWebhookToCanonical.map({ ...body, line_items: [{ ...giftWrap, sku: '' }] }), /has no SKU/);
  });

  it('maps a guest checkout (no customer record) to a customer with the order\'s email', () => {
    const { state, order } = shop();
    const mapped = orderWebhookToCanonical.map({ ...orderBody(state, order), customer: null, email: 'guest@example.com', phone: null });
    assert.deepEqual(mapped.customer, { email: 'guest@example.com' });
  });

  it('maps orders/cancelled to status cancelled with when and why', () => {
    const { state, order } = shop();
    const cancelledAt = SEED_EPOCH_MS + 86_400_000;
    const cancelled = state.orders.update(order.id, { cancelledAt, cancelReason: 'CUSTOMER', updatedAt: cancelledAt })!;
    const body = orderBody(state, cancelled);
    assertMatchesSchema(shopify.triggers.find((trigger) => trigger.id === 'orders-cancelled')!.output, body, 'the orders/cancelled trigger output');
    const mapped = orderWebhookToCanonical.map(body);
    assertMatchesSchema(canonical.Order, mapped, 'cancelled order');
    assert.equal(mapped.status, 'cancelled');
    assert.equal(mapped.cancelledAt, '2026-01-02T00:00:00Z');
    assert.deepEqual(mapped.custom, { cancelReason: 'customer' });
  });

  it('maps Shopify\'s fulfillment and financial statuses', () => {
    const { state, order } = shop();
    const body = orderBody(state, order);
    const statusOf = (fields: Partial<OrderBody>) => {
      const mapped = orderWebhookToCanonical.map({ ...body, ...fields });
      return [mapped.status, mapped.financialStatus];
    };
    assert.deepEqual(statusOf({ fulfillment_status: 'partial', financial_status: 'partially_refunded' }), ['partially-fulfilled', 'partially-refunded']);
    assert.deepEqual(statusOf({ fulfillment_status: 'fulfilled', financial_status: 'authorized' }), ['fulfilled', 'authorized']);
    assert.deepEqual(statusOf({ fulfillment_status: 'fulfilled', closed_at: '2026-01-05T10:00:00+01:00', financial_status: 'paid' }), ['closed', 'paid']);
    assert.deepEqual(statusOf({ fulfillment_status: null, financial_status: 'expired' }), ['confirmed', 'voided']);
  });
});

describe('shopify refunds/create → canonical refund', () => {
  function refundBody(state: ShopState, order: ShopOrder): RefundBody {
    const line = order.lineItems[0]!;
    const refund = state.refunds.insert({ ...state.nextId('Refund'), orderId: order.id, lines: [{ lineItemId: line.id, quantity: 1 }], amount: line.price, note: 'Arrived damaged', createdAt: SEED_EPOCH_MS + 7_200_000 });
    const body = refundPayload(state, refund);
    assertMatchesSchema(refundWebhookToCanonical.input, body, 'the sandbox refund body');
    return body as RefundBody;
  }

  it('maps the sandbox\'s refund: amount from its transactions, lines by SKU, the order by its global id', () => {
    const { state, order } = shop();
    const body = refundBody(state, order);
    const mapped = refundWebhookToCanonical.map(body);
    assertMatchesSchema(canonical.Refund, mapped, 'canonical refund');
    const line = order.lineItems[0]!;
    assert.deepEqual(mapped, {
      ids: { shopify: body.admin_graphql_api_id },
      orderIds: { shopify: order.id },
      amount: { amount: line.price, currency: 'EUR' },
      reason: 'Arrived damaged',
      lines: [{ sku: line.sku, quantity: { value: '1', unit: 'each' }, amount: { amount: line.price, currency: 'EUR' } }],
      status: 'succeeded',
      createdAt: '2026-01-01T02:00:00Z',
    });
    const essay = 'The parcel arrived crushed. '.repeat(30);
    const long = refundWebhookToCanonical.map({ ...body, note: essay });
    assertMatchesSchema(canonical.Refund, long, 'refund with a long note');
    assert.equal(long.reason?.length, 500);
    assert.deepEqual(long.custom, { note: essay.trim() });
  });

  it('adds several refund transactions exactly, ignores failed ones, and reports an all-failed refund as failed', () => {
    const { state, order } = shop();
    const body = refundBody(state, order);
    const transaction = body.transactions[0]!;
    const split = refundWebhookToCanonical.map({
      ...body,
      transactions: [
        { ...transaction, amount: '0.10' },
        { ...transaction, id: 2, amount: '0.20' },
        { ...transaction, id: 3, amount: '99.00', status: 'failure' },
        { ...transaction, id: 4, kind: 'sale', amount: '50.00' },
      ],
    });
    assert.deepEqual([split.amount.amount, split.status], ['0.30', 'succeeded']);
    const failed = refundWebhookToCanonical.map({ ...body, transactions: [{ ...transaction, status: 'failure' }] });
    assert.deepEqual([failed.amount.amount, failed.status], [transaction.amount, 'failed']);
  });

  it('maps a refund that moves no money (a restock) with the currency its lines say, and refuses one that says none', () => {
    const { state, order } = shop();
    const body = refundBody(state, order);
    const line = body.refund_line_items[0]!;
    const restock = refundWebhookToCanonical.map({ ...body, transactions: [], refund_line_items: [{ ...line, subtotal_set: moneySet(line.subtotal, 'EUR') }] });
    assertMatchesSchema(canonical.Refund, restock, 'restock refund');
    assert.deepEqual([restock.amount, restock.status], [{ amount: '0', currency: 'EUR' }, 'succeeded']);
    assert.throws(() => refundWebhookToCanonical.map({ ...body, transactions: [] }), new RegExp(`refund ${body.id}: neither a transaction nor a refunded line says the currency`));
  });

  it('refuses a refunded line whose order line has no SKU, or that the body does not embed', () => {
    const { state, order } = shop();
    const body = refundBody(state, order);
    const [line] = body.refund_line_items;
    assert.throws(() => refundWebhookToCanonical.map({ ...body, refund_line_items: [{ ...line!, line_item: { sku: null } }] }), new RegExp(`refunded line item ${line!.line_item_id} has no SKU`));
    const { line_item: _embedded, ...bare } = line!;
    assert.throws(() => refundWebhookToCanonical.map({ ...body, refund_line_items: [bare] }), /does not embed the order line \(line_item\)/);
  });
});

describe('shopify records from the sandbox ⇄ canonical', () => {
  let sandbox: ShopifySandbox;
  let http: TestHttpClient;
  const seeded = seedShop(SEED_EPOCH_MS);
  const firstOrder = seeded.orders.all()[0]!;
  const firstCustomer = seeded.customers.all()[0]!;

  before(async () => {
    sandbox = await startShopifySandbox();
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { 'x-shopify-access-token': sandbox.accessToken } });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('maps get-order\'s output to the same order the webhook mapping gives, less what get-order does not select', async () => {
    const found = await runAction(getOrder, { id: firstOrder.id }, { http });
    const mapped = orderToCanonical.map(found);
    assertMatchesSchema(canonical.Order, mapped, 'canonical order from GraphQL');
    const fromWebhook = orderWebhookToCanonical.map(orderBody(seeded, firstOrder));
    const { customer: webhookCustomer, tax, ...webhookOrder } = fromWebhook;
    const { customer: graphqlCustomer, ...graphqlOrder } = mapped;
    assert.deepEqual(graphqlOrder, webhookOrder);
    // The webhook says the tax; get-order does not select it.
    assert.deepEqual(tax, { amount: '0.00', currency: 'EUR' });
    // get-order selects only the customer's id and email.
    assert.deepEqual(graphqlCustomer, { ids: webhookCustomer.ids, email: webhookCustomer.email, phone: webhookCustomer.phone });
  });

  it('refuses a GraphQL line without a SKU, and sums the lines when Shopify has no subtotal', async () => {
    const found = await runAction(getOrder, { id: firstOrder.id }, { http });
    const [line] = found.lineItems;
    assert.throws(() => orderToCanonical.map({ ...found, lineItems: [{ ...line!, sku: null }] }), new RegExp(`line item ${line!.id} .* has no SKU`));
    const mapped = orderToCanonical.map({ ...found, subtotalPriceSet: null });
    assert.equal(mapped.subtotal.amount, found.totalPriceSet.shopMoney.amount);
  });

  it('maps get-customer\'s output, its default address as the shipping address', async () => {
    const found = await runAction(getCustomer, { id: firstCustomer.id }, { http });
    const mapped = customerToCanonical.map(found);
    assertMatchesSchema(canonical.Customer, mapped, 'canonical customer');
    assert.deepEqual(mapped, {
      ids: { shopify: firstCustomer.id },
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+442071234567',
      shippingAddress: { name: 'Ada Lovelace', lines: ['1 Loom Street'], city: 'London', postalCode: 'EC1A 1BB', country: 'GB' },
      createdAt: found.createdAt,
      updatedAt: found.updatedAt,
      custom: { state: 'ENABLED' },
    });
  });

  it('maps list-variants-by-sku\'s variants to items, priced only when given the shop\'s currency', async () => {
    const { variants } = await runAction(listVariantsBySku, { skus: ['WEFT-TEE-S', 'WEFT-MUG'] }, { http });
    const mug = variants.find((found) => found.sku === 'WEFT-MUG')!;
    const priced = variantToCanonical.map({ variant: mug, currency: 'EUR' });
    assertMatchesSchema(canonical.Item, priced, 'canonical item');
    assert.deepEqual(priced, {
      ids: { shopify: mug.id },
      sku: 'WEFT-MUG',
      name: mug.displayName,
      price: { amount: '12.50', currency: 'EUR' },
      custom: { productId: mug.product.id, inventoryItemId: mug.inventoryItem.id },
    });
    const unpriced = variantToCanonical.map({ variant: mug });
    assertMatchesSchema(canonical.Item, unpriced, 'canonical item without a price');
    assert.equal('price' in unpriced, false);
    assert.throws(() => variantToCanonical.map({ variant: { ...mug, sku: null } }), /variant .* has no SKU/);
  });

  it('creates the customer canonical-to-customer builds, and reads back what it sent', async () => {
    const person: CanonicalCustomer = {
      email: 'jane@example.com',
      firstName: 'Jane',
      lastName: 'Doe',
      phone: '+16135550123',
      shippingAddress: { name: 'Jane Doe', lines: ['150 Elgin St', 'Suite 800'], city: 'Ottawa', region: 'ON', postalCode: 'K2P 1L4', country: 'CA' },
      billingAddress: { name: 'Jane Doe', lines: ['150 Elgin St', 'Suite 800'], city: 'Ottawa', region: 'ON', postalCode: 'K2P 1L4', country: 'CA' },
    };
    const input = canonicalToCustomer.map(person);
    assertMatchesSchema(createCustomer.input, input, 'create-customer input');
    assert.deepEqual(input.addresses, [{ firstName: 'Jane', lastName: 'Doe', address1: '150 Elgin St', address2: 'Suite 800', city: 'Ottawa', countryCode: 'CA', provinceCode: 'ON', zip: 'K2P 1L4' }], 'the same address once');
    const created = await runAction(createCustomer, input, { http });
    const back = customerToCanonical.map(created);
    assert.deepEqual([back.email, back.firstName, back.lastName, back.phone], ['jane@example.com', 'Jane', 'Doe', '+16135550123']);
    assert.deepEqual(back.shippingAddress, { name: 'Jane Doe', lines: ['150 Elgin St', 'Suite 800'], city: 'Ottawa', region: 'ON', postalCode: 'K2P 1L4', country: 'CA' });
    const gift = canonicalToCustomer.map({ ...person, billingAddress: undefined, shippingAddress: { ...person.shippingAddress!, name: 'Mary Ann Evans' } });
    assert.equal(gift.addresses?.[0]?.firstName, undefined, 'another recipient\'s name is not split');
    assert.equal(createCustomer.xref?.entity, 'customer');
    assert.equal(createCustomer.xref?.id(created), created.id);
  });

  it('fulfills the shipment canonical-to-fulfillment builds: part of a line first, then the rest', async () => {
    const order = seeded.orders.all().find((candidate) => candidate.lineItems.length === 2 && candidate.lineItems.some((line) => line.quantity > 1))!;
    const split = order.lineItems.find((line) => line.quantity > 1)!;
    const { fulfillmentOrders } = await runAction(getFulfillmentOrders, { orderId: order.id }, { http });
    const shipment: CanonicalShipment = {
      orderIds: { shopify: order.id },
      carrier: 'fedex',
      trackingNumber: '794644790132',
      trackingUrl: 'https://www.fedex.com/fedextrack/?trknbr=794644790132',
      status: 'in-transit',
      lines: [{ sku: split.sku, quantity: { value: '1', unit: 'each' } }],
    };
    const input = canonicalToFulfillment.map({ shipment, fulfillmentOrders });
    assertMatchesSchema(createFulfillment.input, input, 'create-fulfillment input');
    const foLine = fulfillmentOrders[0]!.lineItems.find((line) => line.sku === split.sku)!;
    assert.deepEqual(input, {
      lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: fulfillmentOrders[0]!.id, fulfillmentOrderLineItems: [{ id: foLine.id, quantity: 1 }] }],
      trackingInfo: { number: '794644790132', company: 'FedEx', url: shipment.trackingUrl },
    });
    const first = await runAction(createFulfillment, input, { http });
    assert.deepEqual(first.trackingInfo, [{ company: 'FedEx', number: '794644790132', url: shipment.trackingUrl }]);
    assert.equal(first.totalQuantity, 1);
    assert.equal(createFulfillment.xref?.id(first), first.id);

    const after = (await runAction(getFulfillmentOrders, { orderId: order.id }, { http })).fulfillmentOrders;
    const rest = canonicalToFulfillment.map({ shipment: { ...shipment, carrier: 'shiprocket', trackingNumber: 'SR123', lines: undefined, trackingUrl: undefined }, fulfillmentOrders: after });
    assert.deepEqual(rest.trackingInfo, { number: 'SR123', company: 'shiprocket' }, 'a carrier Shopify does not know is sent as named');
    const second = await runAction(createFulfillment, rest, { http });
    assert.equal(second.totalQuantity, order.lineItems.reduce((sum, line) => sum + line.quantity, 0) - 1);
    const closed = (await runAction(getFulfillmentOrders, { orderId: order.id }, { http })).fulfillmentOrders;
    assert.throws(() => canonicalToFulfillment.map({ shipment, fulfillmentOrders: closed }), /no fulfillment order is open \(statuses: CLOSED\)/);
  });

  it('refuses a shipment line the open fulfillment orders cannot cover, in pieces, or cancelled', async () => {
    const { fulfillmentOrders } = await runAction(getFulfillmentOrders, { orderId: firstOrder.id }, { http });
    const line = firstOrder.lineItems[0]!;
    const shipment: CanonicalShipment = { carrier: 'ups', trackingNumber: '1Z999AA10123456784', status: 'in-transit', lines: [{ sku: line.sku, quantity: { value: String(line.quantity + 1), unit: 'each' } }] };
    assert.throws(() => canonicalToFulfillment.map({ shipment, fulfillmentOrders }), new RegExp(`shipment line ${line.sku}: ${line.quantity + 1} to ship, but the open fulfillment orders have only ${line.quantity}`));
    assert.throws(() => canonicalToFulfillment.map({ shipment: { ...shipment, lines: [{ sku: 'NO-SUCH-SKU', quantity: { value: '1', unit: 'each' } }] }, fulfillmentOrders }), /NO-SUCH-SKU: 1 to ship, but .* only 0/);
    assert.throws(() => canonicalToFulfillment.map({ shipment: { ...shipment, lines: [{ sku: line.sku, quantity: { value: '1.5', unit: 'kg' } }] }, fulfillmentOrders }), /whole pieces, not 1.5 kg/);
    assert.throws(() => canonicalToFulfillment.map({ shipment: { ...shipment, status: 'cancelled' }, fulfillmentOrders }), /is cancelled/);
  });

  it('sets the stock canonical-to-inventory-quantities builds from levels of another system\'s locations', async () => {
    const { variants } = await runAction(listVariantsBySku, { skus: ['WEFT-MUG', 'WEFT-CAP-RED'] }, { http });
    const level = (sku: string, available: string): CanonicalInventoryLevel => ({ sku, location: '1', available: { value: available, unit: 'each' }, asOf: '2026-01-02T08:00:00+01:00' });
    const locations = { 1: SEED_LOCATION.id };
    const input = canonicalToInventoryQuantities.map({ levels: [level('WEFT-MUG', '64'), level('WEFT-CAP-RED', '0')], variants, locations });
    assertMatchesSchema(setInventoryQuantities.input, input, 'set-inventory-quantities input');
    const group = await runAction(setInventoryQuantities, input, { http });
    assert.deepEqual(
      group.changes.filter((change) => change.name === 'available').map((change) => [change.item?.sku, change.quantityAfterChange]),
      [['WEFT-MUG', 64], ['WEFT-CAP-RED', 0]],
    );
    assert.throws(() => canonicalToInventoryQuantities.map({ levels: [level('NO-SUCH-SKU', '1')], variants, locations }), /no Shopify variant has SKU NO-SUCH-SKU/);
    assert.throws(() => canonicalToInventoryQuantities.map({ levels: [{ ...level('WEFT-MUG', '1'), location: '2' }], variants, locations }), /location "2" \(of SKU WEFT-MUG\) has no Shopify location/);
    assert.throws(() => canonicalToInventoryQuantities.map({ levels: [level('WEFT-MUG', '2.5')], variants, locations }), /SKU WEFT-MUG available: Shopify counts whole pieces/);
    const twin = { ...variants[0]!, id: 'gid://shopify/ProductVariant/1', inventoryItem: { id: 'gid://shopify/InventoryItem/1' } };
    assert.throws(() => canonicalToInventoryQuantities.map({ levels: [level(twin.sku!, '1')], variants: [...variants, twin], locations }), /belongs to several Shopify inventory items/);
    assert.throws(() => canonicalToInventoryQuantities.map({ levels: [level('WEFT-MUG', '1'), level('WEFT-MUG', '2')], variants, locations }), /given twice/);
  });
});

describe('shopify connector mappings', () => {
  it('lists every mapping, each with its canonical entity', () => {
    assert.deepEqual(
      shopify.mappings.map((mapping) => [mapping.id, mapping.direction, `${mapping.entity}@${mapping.version}`]),
      [
        ['order-webhook-to-canonical', 'to-canonical', 'order@1'],
        ['refund-webhook-to-canonical', 'to-canonical', 'refund@1'],
        ['order-to-canonical', 'to-canonical', 'order@1'],
        ['customer-to-canonical', 'to-canonical', 'customer@1'],
        ['variant-to-canonical', 'to-canonical', 'item@1'],
        ['canonical-to-fulfillment', 'from-canonical', 'shipment@1'],
        ['canonical-to-inventory-quantities', 'from-canonical', 'inventory-level@1'],
        ['canonical-to-customer', 'from-canonical', 'customer@1'],
      ],
    );
  });
});
