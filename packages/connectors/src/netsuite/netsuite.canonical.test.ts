import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { canonical, schema, type CanonicalCustomer, type CanonicalOrder, type Infer } from '@weft/sdk';
import { runAction, type TestHttpClient } from '@weft/sdk/testing';
import { addSalesOrder } from './add-sales-order.action.ts';
import { getItemFulfillment } from './get-item-fulfillment.action.ts';
import { getSalesOrder } from './get-sales-order.action.ts';
import {
  canonicalToCustomer,
  canonicalToSalesOrder,
  inventoryToCanonical,
  itemFulfillmentToCanonical,
  salesOrderToCanonical,
} from './netsuite.canonical.ts';
import { netsuite } from './netsuite.connector.ts';
import { SEED_CUSTOMER, SEED_DATE, SEED_ITEMS, SEED_ITEM_FULFILLMENT, SEED_SALES_ORDER } from './netsuite.fixtures.ts';
import { startNetsuiteSandbox, type NetsuiteSandbox } from './netsuite.sandbox.ts';
import { tbaClient } from './netsuite.test-client.ts';
import type { salesOrder as salesOrderSchema } from './netsuite.schemas.ts';
import { searchInventory } from './search-inventory.action.ts';
import { upsertCustomer } from './upsert-customer.action.ts';
import { upsertSalesOrder } from './upsert-sales-order.action.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';


type SalesOrder = Infer<typeof salesOrderSchema>;

/** A sales order as get-sales-order returns one from an account in Los Angeles. */
const pacificOrder: SalesOrder = {
  internalId: '7001',
  externalId: 'shopify-order-1042',
  tranId: 'SO1042',
  tranDate: '2026-01-31T16:30:00.000-08:00',
  orderStatus: '_pendingFulfillment',
  entity: { internalId: '3345', externalId: 'shopify-customer-7001', name: 'Ada Lovelace' },
  memo: 'Gift',
  subTotal: 39.9,
  total: 44.9,
  itemList: [{ line: 1, item: { internalId: '101', name: 'SKU-1001' }, quantity: 2, rate: '19.95', amount: 39.9 }],
};

describe('netsuite records → canonical', () => {
  let sandbox: NetsuiteSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startNetsuiteSandbox();
    http = tbaClient({ baseUrl: sandbox.url });
  });
  after(() => sandbox.close());

  it('maps the sandbox\'s sales order: number, status, customer, lines by SKU, money in the given currency', async () => {
    const found = await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http });
    const mapped = salesOrderToCanonical.map({ salesOrder: found, currency: 'USD' });
    assertMatchesSchema(canonical.Order, mapped, 'canonical order');
    assert.deepEqual(mapped, {
      ids: { netsuite: SEED_SALES_ORDER.internalId },
      number: SEED_SALES_ORDER.tranId,
      // _pendingBilling: shipped, not yet invoiced.
      status: 'fulfilled',
      currency: 'USD',
      customer: { ids: { netsuite: SEED_CUSTOMER.internalId }, custom: { entityId: SEED_CUSTOMER.entityId } },
      lines: [
        {
          ids: { netsuite: '1' },
          sku: SEED_ITEMS[0]!.itemId,
          quantity: { value: '2', unit: 'each' },
          unitPrice: { amount: '19.99', currency: 'USD' },
          total: { amount: '39.98', currency: 'USD' },
        },
      ],
      subtotal: { amount: '39.98', currency: 'USD' },
      total: { amount: '39.98', currency: 'USD' },
      placedAt: SEED_DATE,
      custom: { externalId: SEED_SALES_ORDER.externalId },
    });
  });

  it('keeps the account\'s offset, pads amounts to the currency\'s minor unit and never rounds', () => {
    const mapped = salesOrderToCanonical.map({ salesOrder: pacificOrder, currency: 'USD' });
    assertMatchesSchema(canonical.Order, mapped, 'canonical order');
    assert.equal(mapped.placedAt, '2026-01-31T16:30:00.000-08:00');
    assert.deepEqual([mapped.lines[0]!.total.amount, mapped.subtotal.amount, mapped.total.amount], ['39.90', '39.90', '44.90']);
    assert.equal(mapped.status, 'confirmed');
    const yen = salesOrderToCanonical.map({ salesOrder: { ...pacificOrder, subTotal: 3000, total: 3000, itemList: [{ ...pacificOrder.itemList[0]!, rate: '1500', amount: 3000 }] }, currency: 'JPY' });
    assertMatchesSchema(canonical.Order, yen, 'JPY order');
    assert.deepEqual([yen.lines[0]!.unitPrice.amount, yen.lines[0]!.total.amount, yen.total.amount], ['1500', '3000', '3000']);
    const dinar = salesOrderToCanonical.map({ salesOrder: { ...pacificOrder, subTotal: 3.375, total: 3.375, itemList: [{ ...pacificOrder.itemList[0]!, quantity: 3, rate: '1.125', amount: 3.375 }] }, currency: 'KWD' });
    assert.deepEqual([dinar.lines[0]!.unitPrice.amount, dinar.total.amount], ['1.125', '3.375']);
    assert.equal(salesOrderToCanonical.map({ salesOrder: { ...pacificOrder, total: 44.125 }, currency: 'USD' }).total.amount, '44.125', 'more places than the currency has are kept, not rounded');
  });

  it('refuses what a canonical order cannot hold, naming the line or field', () => {
    const line = pacificOrder.itemList[0]!;
    const map = (changes: Partial<SalesOrder>) => () => salesOrderToCanonical.map({ salesOrder: { ...pacificOrder, ...changes }, currency: 'USD' });
    assert.throws(map({ itemList: [line, { line: 2, item: { internalId: '900', name: 'Spring sale' }, rate: '-10%', amount: -3.99 }] }), /sales order 7001 line 2 \(item 900\): rate -10% is not a unit price/);
    assert.throws(map({ itemList: [{ ...line, item: { internalId: '101' } }] }), /line 1 \(item 101\): the item's name \(its SKU\) is missing/);
    assert.throws(map({ tranId: undefined }), /sales order 7001 tranId is missing/);
    assert.throws(map({ orderStatus: '_undefined' }), /orderStatus _undefined has no canonical equivalent/);
    assert.throws(map({ tranDate: '2026-01-31' }), /tranDate: "2026-01-31" is not an ISO 8601 date-time with an offset/);
  });

  it('maps the sandbox\'s item fulfillment to a shipment with the carrier the flow names', async () => {
    const found = await runAction(getItemFulfillment, { internalId: SEED_ITEM_FULFILLMENT.internalId }, { http });
    const mapped = itemFulfillmentToCanonical.map({ fulfillment: found, carrier: 'fedex' });
    assertMatchesSchema(canonical.Shipment, mapped, 'canonical shipment');
    assert.deepEqual(mapped, {
      ids: { netsuite: SEED_ITEM_FULFILLMENT.internalId },
      orderIds: { netsuite: SEED_SALES_ORDER.internalId },
      carrier: 'fedex',
      trackingNumber: SEED_ITEM_FULFILLMENT.trackingNumber,
      status: 'in-transit',
      lines: [{ sku: SEED_ITEMS[0]!.itemId, quantity: { value: '2', unit: 'each' } }],
      shippedAt: SEED_DATE,
    });
  });

  it('maps a packed fulfillment as label-created, keeps every package\'s tracking number, refuses one without', async () => {
    const found = await runAction(getItemFulfillment, { internalId: SEED_ITEM_FULFILLMENT.internalId }, { http });
    const packed = itemFulfillmentToCanonical.map({
      fulfillment: { ...found, shipStatus: '_packed', packageList: [{ packageTrackingNumber: '794699999999' }, { packageTrackingNumber: ' ' }, { packageTrackingNumber: '794600000001' }] },
      carrier: 'fedex',
    });
    assertMatchesSchema(canonical.Shipment, packed, 'packed shipment');
    assert.equal(packed.status, 'label-created');
    assert.equal(packed.shippedAt, undefined, 'not shipped yet');
    assert.equal(packed.trackingNumber, '794699999999');
    assert.deepEqual(packed.custom, { trackingNumbers: ['794699999999', '794600000001'] });
    assert.throws(() => itemFulfillmentToCanonical.map({ fulfillment: { ...found, packageList: [{ packageWeight: 1 }] }, carrier: 'fedex' }), /item fulfillment 6001 has no package with a tracking number/);
  });

  it('maps every page of an inventory search to one level per item and location', async () => {
    const inventory = await runAction(searchInventory, { pageSize: 5 }, { http });
    const asOf = '2026-01-02T09:00:00-05:00';
    const levels = inventoryToCanonical.map({ inventory, asOf });
    assertMatchesSchema(schema.Array(canonical.InventoryLevel), levels, 'canonical inventory levels');
    assert.equal(levels.length, SEED_ITEMS.reduce((sum, item) => sum + item.quantities.length, 0));
    const third = SEED_ITEMS[2]!;
    assert.deepEqual(
      levels.filter((level) => level.sku === third.itemId),
      third.quantities.map((stock) => ({ sku: third.itemId, location: stock.locationId, available: { value: String(stock.onHand), unit: 'each' }, onHand: { value: String(stock.onHand), unit: 'each' }, asOf })),
    );
  });
});

describe('canonical → netsuite, accepted by the sandbox', () => {
  let sandbox: NetsuiteSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startNetsuiteSandbox();
    http = tbaClient({ baseUrl: sandbox.url });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  const shopper: CanonicalCustomer = { ids: { shopify: 'gid://shopify/Customer/7002' }, email: 'grace@example.com', firstName: 'Grace', lastName: 'Hopper', company: 'US Navy', phone: '+16175550100' };

  const order = (changes: Partial<CanonicalOrder> = {}): CanonicalOrder => ({
    ids: { shopify: 'gid://shopify/Order/820982911946154508' },
    number: '#1042',
    status: 'confirmed',
    currency: 'USD',
    customer: shopper,
    lines: [
      { sku: SEED_ITEMS[0]!.itemId, name: 'Sample 1', quantity: { value: '2', unit: 'each' }, unitPrice: { amount: '19.99', currency: 'USD' }, total: { amount: '39.98', currency: 'USD' } },
      { sku: SEED_ITEMS[1]!.itemId, quantity: { value: '1', unit: 'each' }, unitPrice: { amount: '5.005', currency: 'USD' }, discount: { amount: '0.00', currency: 'USD' }, total: { amount: '5.005', currency: 'USD' } },
    ],
    subtotal: { amount: '44.985', currency: 'USD' },
    discount: { amount: '0.00', currency: 'USD' },
    total: { amount: '44.985', currency: 'USD' },
    placedAt: '2026-01-31T16:30:00-08:00',
    note: 'Leave at the door',
    ...changes,
  });

  it('upserts the customer canonical-to-customer builds, by an externalId from the Shopify id', async () => {
    const input = canonicalToCustomer.map({ customer: shopper, source: 'shopify' });
    assertMatchesSchema(upsertCustomer.input, input, 'upsert-customer input');
    assert.deepEqual(input, { externalId: 'shopify-customer-7002', isPerson: true, firstName: 'Grace', lastName: 'Hopper', companyName: 'US Navy', phone: '+16175550100', email: 'grace@example.com' });
    const first = await runAction(upsertCustomer, input, { http });
    const again = await runAction(upsertCustomer, canonicalToCustomer.map({ customer: { ...shopper, email: 'grace.hopper@example.com' }, source: 'shopify' }), { http });
    assert.equal(again.internalId, first.internalId, 'the same externalId lands on the same customer');
    assert.equal(sandbox.state().customers.get(first.internalId)?.email, 'grace.hopper@example.com');
    assert.equal(upsertCustomer.xref?.entity, 'customer');
    assert.equal(upsertCustomer.xref?.id(first), first.internalId);
  });

  it('makes a company record of a customer with only a company, and refuses what NetSuite would', () => {
    const company = canonicalToCustomer.map({ customer: { ids: { stripe: 'cus_9' }, company: 'Analytical Engines Ltd' }, source: 'stripe', subsidiary: { internalId: '1' } });
    assertMatchesSchema(upsertCustomer.input, company, 'company customer');
    assert.deepEqual(company, { externalId: 'stripe-customer-cus_9', isPerson: false, companyName: 'Analytical Engines Ltd', subsidiary: { internalId: '1' } });
    assert.throws(() => canonicalToCustomer.map({ customer: shopper, source: 'stripe' }), /the customer has no stripe id \(ids: \{"shopify":"gid:\/\/shopify\/Customer\/7002"\}\)/);
    assert.throws(() => canonicalToCustomer.map({ customer: { ...shopper, firstName: 'A'.repeat(33) }, source: 'shopify' }), /the customer's firstName is 33 characters; NetSuite allows 32/);
  });

  it('upserts the order canonical-to-sales-order builds, and reads it back as the same canonical order', async () => {
    await runAction(upsertCustomer, canonicalToCustomer.map({ customer: shopper, source: 'shopify' }), { http });
    const canonicalOrder = order();
    const input = canonicalToSalesOrder.map({ order: canonicalOrder, source: 'shopify' });
    assertMatchesSchema(upsertSalesOrder.input, input, 'upsert-sales-order input');
    assert.deepEqual(input, {
      externalId: 'shopify-order-820982911946154508',
      entity: { externalId: 'shopify-customer-7002' },
      tranDate: '2026-01-31T16:30:00-08:00',
      otherRefNum: '#1042',
      memo: 'Leave at the door',
      itemList: [
        { item: { externalId: SEED_ITEMS[0]!.externalId }, quantity: 2, rate: '19.99', description: 'Sample 1' },
        { item: { externalId: SEED_ITEMS[1]!.externalId }, quantity: 1, rate: '5.005' },
      ],
    });
    const written = await runAction(upsertSalesOrder, input, { http });
    const rewritten = await runAction(upsertSalesOrder, input, { http });
    assert.equal(rewritten.internalId, written.internalId);
    assert.equal(upsertSalesOrder.xref?.entity, 'order');
    assert.equal(upsertSalesOrder.xref?.id(written), written.internalId);

    const back = salesOrderToCanonical.map({ salesOrder: await runAction(getSalesOrder, { externalId: input.externalId }, { http }), currency: 'USD' });
    assertMatchesSchema(canonical.Order, back, 'the order read back');
    assert.equal(back.placedAt, canonicalOrder.placedAt, 'the offset survives the trip');
    assert.deepEqual(
      back.lines.map((line) => [line.sku, line.quantity.value, line.unitPrice.amount]),
      canonicalOrder.lines.map((line) => [line.sku, line.quantity.value, line.unitPrice.amount]),
    );
    assert.equal(back.customer.custom?.entityId, undefined, 'the customer was upserted without an entityId');
    const wordy = canonicalToSalesOrder.map({ order: order({ note: 'Ring twice. '.repeat(100) }), source: 'shopify' });
    assertMatchesSchema(upsertSalesOrder.input, wordy, 'an order with a long note');
    assert.equal(wordy.memo?.length, 999);
  });

  it('addresses the customer by internalId once it has a NetSuite id, and add-sales-order takes the same input', async () => {
    const input = canonicalToSalesOrder.map({ order: order({ customer: { ids: { shopify: 'gid://shopify/Customer/7001', netsuite: SEED_CUSTOMER.internalId } } }), source: 'shopify', currency: { internalId: '1' } });
    assert.deepEqual([input.entity, input.currency], [{ internalId: SEED_CUSTOMER.internalId }, { internalId: '1' }]);
    const added = await runAction(addSalesOrder, input, { http });
    assert.equal(addSalesOrder.xref?.id(added), added.internalId);
    assert.equal(sandbox.state().salesOrders.get(added.internalId)?.entityId, SEED_CUSTOMER.internalId);
  });

  it('refuses a discount it cannot book, a line in another currency, and an order without the source\'s id', () => {
    const [first, second] = order().lines;
    const discounted = { ...first!, discount: { amount: '4.00', currency: 'USD' }, total: { amount: '35.98', currency: 'USD' } };
    assert.throws(() => canonicalToSalesOrder.map({ order: order({ lines: [discounted] }), source: 'shopify' }), /order #1042 line 1 \(SKU-1001\) has a discount of 4.00 USD/);
    assert.throws(() => canonicalToSalesOrder.map({ order: order({ discount: { amount: '4.00', currency: 'USD' } }), source: 'shopify' }), /order #1042 has a discount of 4.00 USD/);
    assert.throws(() => canonicalToSalesOrder.map({ order: order({ lines: [first!, { ...second!, unitPrice: { amount: '5', currency: 'EUR' } }] }), source: 'shopify' }), /line 2 \(SKU-1002\): priced in EUR, the order in USD/);
    assert.throws(() => canonicalToSalesOrder.map({ order: order({ ids: { stripe: 'pi_1' } }), source: 'shopify' }), /order #1042 has no shopify id/);
  });
});

describe('netsuite connector mappings', () => {
  it('lists every mapping, each with its canonical entity', () => {
    assert.deepEqual(
      netsuite.mappings.map((mapping) => [mapping.id, mapping.direction, `${mapping.entity}@${mapping.version}`]),
      [
        ['sales-order-to-canonical', 'to-canonical', 'order@1'],
        ['item-fulfillment-to-canonical', 'to-canonical', 'shipment@1'],
        ['inventory-to-canonical', 'to-canonical', 'inventory-level@1'],
        ['canonical-to-customer', 'from-canonical', 'customer@1'],
        ['canonical-to-sales-order', 'from-canonical', 'order@1'],
      ],
    );
  });
});
