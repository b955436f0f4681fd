import { canonical, defineMapping, schema, type CanonicalMoney, type CanonicalOrder, type CanonicalShipment } from '@weft/sdk';
import { itemFulfillment, inventoryLevel, recordRef, salesOrder, salesOrderInput } from './netsuite.schemas.ts';
import { upsertCustomer } from './upsert-customer.action.ts';

/**
 * NetSuite ⇄ canonical. To canonical: a sales order, an item fulfillment and an inventory search
 * as the actions return them. From canonical: a customer and an order become upsert inputs keyed
 * by an externalId made from the source system's id ("shopify-customer-7001"), so a retry or a
 * later update lands on the same NetSuite record.
 *
 * Ids are NetSuite internalIds under the key "netsuite". A mapping cannot know the connection's
 * name, so it keys ids by the connector id; a flow with two NetSuite accounts renames the key.
 * NetSuite items are referenced by externalId = SKU, the convention the sandbox's items follow;
 * an account whose items carry other externalIds needs them set to the SKU first.
 */

const SYSTEM = 'netsuite';

/** The fraction digits of a currency's minor unit (2 for USD, 0 for JPY, 3 for KWD), from ICU. */
const minorUnits = new Map<string, number>();
function minorUnitsOf(currency: string): number {
  let digits = minorUnits.get(currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorUnits.set(currency, digits);
  }
  return digits;
}

/**
 * SOAP carries amounts as decimal text, which the actions read as numbers; the shortest text of
 * such a number is the text NetSuite sent, less trailing zeros. Exponent forms (1e21, 1e-7) are
 * beyond any amount or quantity NetSuite stores, so they are refused rather than misread.
 */
function decimalOf(value: number, what: string): string {
  const text = String(value);
  if (!Number.isFinite(value) || /e/i.test(text)) throw new TypeError(`${what}: ${text} cannot be written as a decimal amount`);
  return text;
}

/** An amount padded to the currency's minor unit ("39.9" → "39.90"), never rounded. */
function moneyOf(value: number, currency: string, what: string): CanonicalMoney {
  const [whole, fraction = ''] = decimalOf(value, what).split('.');
  const digits = Math.max(fraction.length, minorUnitsOf(currency));
  return { amount: digits === 0 ? whole! : `${whole}.${fraction.padEnd(digits, '0')}`, currency };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new TypeError(`${what} is missing`);
  return value;
}

const TIMESTAMP = new RegExp(canonical.Timestamp.pattern!);

function timestamp(value: string | undefined, what: string): string {
  // As NetSuite wrote it: the offset is the account's time zone, which a converted instant loses.
  if (value === undefined || !TIMESTAMP.test(value)) throw new TypeError(`${what}: ${JSON.stringify(value)} is not an ISO 8601 date-time with an offset`);
  return value;
}

/** The object without its undefined fields: outputs leave absent fields out. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

// ── NetSuite records → canonical ──────────────────────────────────────────────────────────────

/** SalesOrderOrderStatus in canonical terms; billing is not payment, so no financial status is derived. */
const ORDER_STATUS: Record<string, CanonicalOrder['status']> = {
  _pendingApproval: 'pending',
  _pendingFulfillment: 'confirmed',
  _partiallyFulfilled: 'partially-fulfilled',
  _pendingBillingPartFulfilled: 'partially-fulfilled',
  _pendingBilling: 'fulfilled',
  _fullyBilled: 'fulfilled',
  _closed: 'closed',
  _cancelled: 'cancelled',
};

export const salesOrderToCanonical = defineMapping({
  id: 'sales-order-to-canonical',
  name: 'NetSuite sales order → canonical order',
  description:
    'The get-sales-order output as a canonical order. NetSuite names a transaction\'s currency by its currency record, not an ISO code, so the flow supplies `currency` (e.g. the subsidiary\'s). Lines are matched by the item\'s name (its item number, the SKU); a line with a percentage rate (a discount item) is an error, since it has no unit price.',
  direction: 'to-canonical',
  canonical: 'order@1',
  input: schema.Object({ salesOrder, currency: canonical.CurrencyCode }),
  output: canonical.Order,
  map: ({ salesOrder: order, currency }) => {
    const where = `sales order ${order.internalId}`;
    const status = ORDER_STATUS[required(order.orderStatus, `${where} orderStatus`)];
    if (status === undefined) throw new TypeError(`${where}: orderStatus ${order.orderStatus} has no canonical equivalent`);
    const entity = required(order.entity, `${where} entity (its customer)`);
    const lines = order.itemList.map((line, index) => {
      const what = `${where} line ${line.line ?? index + 1} (item ${line.item.internalId})`;
      const sku = required(line.item.name, `${what}: the item's name (its SKU)`);
      const rate = required(line.rate, `${what}: rate`);
      if (!/^-?\d+(\.\d+)?$/.test(rate)) throw new TypeError(`${what}: rate ${rate} is not a unit price (a percentage rate is a discount line)`);
      return compact({
        ids: line.line === undefined ? undefined : { [SYSTEM]: String(line.line) },
        sku,
        quantity: { value: decimalOf(required(line.quantity, `${what}: quantity`), `${what} quantity`), unit: 'each' },
        unitPrice: moneyOf(Number(rate), currency, `${what} rate`),
        total: moneyOf(required(line.amount, `${what}: amount`), currency, `${what} amount`),
      });
    });
    return compact({
      ids: { [SYSTEM]: order.internalId },
      number: required(order.tranId, `${where} tranId`),
      status,
      currency,
      customer: compact({ ids: { [SYSTEM]: entity.internalId }, custom: entity.name === undefined ? undefined : { entityId: entity.name } }),
      lines,
      subtotal: moneyOf(required(order.subTotal, `${where} subTotal`), currency, `${where} subTotal`),
      total: moneyOf(required(order.total, `${where} total`), currency, `${where} total`),
      placedAt: timestamp(order.tranDate, `${where} tranDate`),
      note: order.memo,
      // The externalId is the integration's own key ("shopify-order-1001"): it says where the order came from.
      custom: order.externalId === undefined ? undefined : { externalId: order.externalId },
    });
  },
});

const SHIP_STATUS: Record<string, CanonicalShipment['status']> = {
  // Picked and packed: the parcels (and their tracking numbers) exist but have not left.
  _picked: 'label-created',
  _packed: 'label-created',
  _shipped: 'in-transit',
};

export const itemFulfillmentToCanonical = defineMapping({
  id: 'item-fulfillment-to-canonical',
  name: 'NetSuite item fulfillment → canonical shipment',
  description:
    'The get-item-fulfillment output as a canonical shipment: the tracking number from its package list, its lines by item name (SKU), the sales order it fulfills. The generic package list names no carrier, so the flow supplies `carrier` (e.g. from the order\'s ship method). A fulfillment of several packages keeps every tracking number in custom.trackingNumbers.',
  direction: 'to-canonical',
  canonical: 'shipment@1',
  input: schema.Object({
    fulfillment: itemFulfillment,
    carrier: schema.String({ minLength: 1, maxLength: 64, description: 'The carrier, as canonical shipments name it: "fedex", "ups", …' }),
  }),
  output: canonical.Shipment,
  map: ({ fulfillment, carrier }) => {
    const where = `item fulfillment ${fulfillment.internalId}`;
    const trackingNumbers = fulfillment.packageList.map((parcel) => parcel.packageTrackingNumber?.trim()).filter((number): number is string => number !== undefined && number !== '');
    if (trackingNumbers.length === 0) throw new TypeError(`${where} has no package with a tracking number: a canonical shipment needs one`);
    // Accounts without pick, pack and ship record every fulfillment as shipped and send no shipStatus.
    const status = fulfillment.shipStatus === undefined ? 'in-transit' : SHIP_STATUS[fulfillment.shipStatus];
    if (status === undefined) throw new TypeError(`${where}: shipStatus ${fulfillment.shipStatus} has no canonical equivalent`);
    return compact({
      ids: { [SYSTEM]: fulfillment.internalId },
      orderIds: fulfillment.createdFrom === undefined ? undefined : { [SYSTEM]: fulfillment.createdFrom.internalId },
      carrier,
      trackingNumber: trackingNumbers[0]!,
      status,
      lines: fulfillment.itemList.map((line, index) => {
        const what = `${where} line ${index + 1} (item ${line.item.internalId})`;
        return {
          sku: required(line.item.name, `${what}: the item's name (its SKU)`),
          quantity: { value: decimalOf(required(line.quantity, `${what}: quantity`), `${what} quantity`), unit: 'each' },
        };
      }),
      shippedAt: status === 'in-transit' && fulfillment.tranDate !== undefined ? timestamp(fulfillment.tranDate, `${where} tranDate`) : undefined,
      custom: trackingNumbers.length > 1 ? { trackingNumbers } : undefined,
    });
  },
});

export const inventoryToCanonical = defineMapping({
  id: 'inventory-to-canonical',
  name: 'NetSuite inventory search → canonical inventory levels',
  description:
    'The search-inventory output as one canonical level per item and location: the item\'s name (its SKU), the location\'s internalId, quantity available and on hand. The search says nothing about when it was taken, so the flow supplies `asOf` (e.g. get-server-time\'s answer).',
  direction: 'to-canonical',
  canonical: 'inventory-level@1',
  input: schema.Object({ inventory: schema.Object({ totalRecords: schema.Integer(), items: schema.Array(inventoryLevel) }), asOf: canonical.Timestamp }),
  output: schema.Array(canonical.InventoryLevel),
  map: ({ inventory, asOf }) =>
    inventory.items.flatMap((item) => {
      if (item.itemId.trim() === '') throw new TypeError(`inventory item ${item.internalId} has no item name (its SKU)`);
      return item.locations.map((stock) => {
        const what = `item ${item.itemId} at location ${stock.locationId}`;
        return {
          sku: item.itemId,
          location: stock.locationId,
          available: { value: decimalOf(stock.quantityAvailable, `${what} quantityAvailable`), unit: 'each' },
          onHand: { value: decimalOf(stock.quantityOnHand, `${what} quantityOnHand`), unit: 'each' },
          asOf,
        };
      });
    }),
});

// ── Canonical → action inputs ─────────────────────────────────────────────────────────────────

const EXTERNAL_ID_MAX = 255;

const sourceField = schema.String({
  pattern: '^[a-z][a-z0-9-]*$',
  description: 'The system the record comes from: the key of its id in `ids` ("shopify"), which names the NetSuite externalId ("shopify-customer-7001").',
});

/**
 * The externalId of a record that came from `source`. A global id such as
 * gid://shopify/Customer/7001 contributes only its number: the record type is already in the
 * externalId, and the number is what the source's own screens show.
 */
function sourceExternalId(kind: 'customer' | 'order', ids: Record<string, string> | undefined, source: string, what: string): string {
  const id = ids?.[source];
  if (id === undefined) throw new TypeError(`${what} has no ${source} id (ids: ${JSON.stringify(ids ?? {})}); its NetSuite externalId is made from it`);
  const globalId = /^gid:\/\/[^/]+\/[^/]+\/([^/?]+)$/.exec(id);
  const externalId = `${source}-${kind}-${globalId?.[1] ?? id}`;
  if (externalId.length > EXTERNAL_ID_MAX) throw new TypeError(`${what}: externalId ${externalId} is longer than NetSuite's ${EXTERNAL_ID_MAX} characters`);
  return externalId;
}

/** NetSuite refuses text over a field's length; saying which field beats its generic error. */
function fits(value: string | undefined, max: number, what: string): string | undefined {
  if (value !== undefined && value.length > max) throw new TypeError(`${what} is ${value.length} characters; NetSuite allows ${max}`);
  return value;
}

const isZero = (amount: string) => /^-?0+(\.0+)?$/.test(amount);

export const canonicalToCustomer = defineMapping({
  id: 'canonical-to-customer',
  name: 'Canonical customer → NetSuite upsert customer',
  description:
    'The input for upsert-customer, keyed by externalId "<source>-customer-<id>" from the customer\'s id in `source`. A customer with a company and no personal name is a company record; anyone else is a person. entityId is left to NetSuite\'s auto-numbering; addresses are not sent (upsert-customer has no address book).',
  direction: 'from-canonical',
  canonical: 'customer@1',
  input: schema.Object({
    customer: canonical.Customer,
    source: sourceField,
    subsidiary: schema.Optional(recordRef),
  }),
  output: upsertCustomer.input,
  map: ({ customer, source, subsidiary }) => {
    const isPerson = customer.firstName !== undefined || customer.lastName !== undefined || customer.company === undefined;
    return compact({
      externalId: sourceExternalId('customer', customer.ids, source, 'the customer'),
      isPerson,
      firstName: fits(customer.firstName, 32, 'the customer\'s firstName'),
      lastName: fits(customer.lastName, 32, 'the customer\'s lastName'),
      companyName: fits(customer.company, 83, 'the customer\'s company'),
      phone: fits(customer.phone, 32, 'the customer\'s phone'),
      email: customer.email,
      subsidiary,
    });
  },
});

const MEMO_MAX = 999;

export const canonicalToSalesOrder = defineMapping({
  id: 'canonical-to-sales-order',
  name: 'Canonical order → NetSuite sales order',
  description:
    'The input for upsert-sales-order (or add-sales-order), keyed by externalId "<source>-order-<id>". The customer is its NetSuite internalId when the order\'s customer has a "netsuite" id, else the externalId canonical-to-customer gives it. Items are referenced by externalId = SKU, at the line\'s unit price. Give `currency` (NetSuite\'s currency record) when order.currency is not the customer\'s default currency. The sales order input has no discount, shipping or tax fields: NetSuite computes tax and shipping, and an order with a discount is refused rather than booked at full price.',
  direction: 'from-canonical',
  canonical: 'order@1',
  input: schema.Object({
    order: canonical.Order,
    source: sourceField,
    currency: schema.Optional(recordRef),
  }),
  output: salesOrderInput,
  map: ({ order, source, currency }) => {
    if (order.discount !== undefined && !isZero(order.discount.amount)) {
      throw new TypeError(`order ${order.number} has a discount of ${order.discount.amount} ${order.discount.currency}, which the sales order input cannot carry`);
    }
    const netsuiteCustomer = order.customer.ids?.[SYSTEM];
    const memo = order.note === undefined || order.note.length <= MEMO_MAX ? order.note : `${order.note.slice(0, MEMO_MAX - 1)}…`;
    return compact({
      externalId: sourceExternalId('order', order.ids, source, `order ${order.number}`),
      entity: netsuiteCustomer === undefined ? { externalId: sourceExternalId('customer', order.customer.ids, source, `the customer of order ${order.number}`) } : { internalId: netsuiteCustomer },
      tranDate: order.placedAt,
      otherRefNum: fits(order.number, 45, `order number ${order.number}`),
      // The memo is a note for people: a long one is cut rather than refusing the order.
      memo,
      currency,
      itemList: order.lines.map((line, index) => {
        const what = `order ${order.number} line ${index + 1} (${line.sku})`;
        if (line.unitPrice.currency !== order.currency) throw new TypeError(`${what}: priced in ${line.unitPrice.currency}, the order in ${order.currency}`);
        if (line.discount !== undefined && !isZero(line.discount.amount)) {
          throw new TypeError(`${what} has a discount of ${line.discount.amount} ${line.discount.currency}, which the sales order input cannot carry`);
        }
        const quantity = Number(line.quantity.value);
        if (!(quantity > 0)) throw new TypeError(`${what}: quantity ${line.quantity.value} must be more than 0`);
        return compact({
          item: { externalId: line.sku },
          // In the item's sale unit in NetSuite, which the line cannot name.
          quantity,
          rate: line.unitPrice.amount,
          description: line.name === undefined ? undefined : line.name.slice(0, MEMO_MAX),
        });
      }),
    });
  },
});

export const netsuiteMappings = [salesOrderToCanonical, itemFulfillmentToCanonical, inventoryToCanonical, canonicalToCustomer, canonicalToSalesOrder];
