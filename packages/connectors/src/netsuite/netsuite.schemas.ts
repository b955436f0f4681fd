import { schema } from '@weft/sdk';

/**
 * NetSuite's records as flows see them, with NetSuite's own field names (the XSD's) so its
 * SuiteTalk reference applies as written. References take NetSuite's internalId or the
 * caller's externalId: an integration usually knows only its own ids.
 */

const id = (description: string) => schema.String({ minLength: 1, maxLength: 255, description });

export const recordRef = schema.Object(
  {
    internalId: schema.Optional(id("NetSuite's id.")),
    externalId: schema.Optional(id('Your id for the record, unique per record type.')),
  },
  { description: 'Give internalId or externalId.', minProperties: 1, additionalProperties: false },
);

export const refOutput = schema.Object({
  internalId: schema.String(),
  externalId: schema.Optional(schema.String()),
  name: schema.Optional(schema.String()),
});

export const writeResult = schema.Object({
  internalId: schema.String({ description: "NetSuite's id of the record written." }),
  externalId: schema.Optional(schema.String()),
});

export const salesOrderInput = schema.Object({
  externalId: id('Your order id; NetSuite keeps one sales order per externalId.'),
  entity: recordRef,
  tranDate: schema.Optional(schema.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T', description: 'ISO 8601 date-time with offset, e.g. 2026-01-31T09:30:00Z.' })),
  otherRefNum: schema.Optional(schema.String({ maxLength: 45, description: 'PO/check number shown on the order.' })),
  memo: schema.Optional(schema.String({ maxLength: 999 })),
  currency: schema.Optional(recordRef),
  itemList: schema.Array(
    schema.Object({
      item: recordRef,
      quantity: schema.Number({ exclusiveMinimum: 0 }),
      rate: schema.Optional(schema.String({ pattern: '^-?\\d+(\\.\\d+)?%?$', description: 'Unit price as a decimal string, e.g. "19.99".' })),
      description: schema.Optional(schema.String({ maxLength: 999 })),
      location: schema.Optional(recordRef),
    }),
    { minItems: 1 },
  ),
});

export const salesOrder = schema.Object({
  internalId: schema.String(),
  externalId: schema.Optional(schema.String()),
  tranId: schema.Optional(schema.String({ description: 'The order number people see (SO1001).' })),
  tranDate: schema.Optional(schema.String()),
  orderStatus: schema.Optional(schema.String({ description: '_pendingApproval, _pendingFulfillment, _partiallyFulfilled, _pendingBilling, _fullyBilled, _closed…' })),
  entity: schema.Optional(refOutput),
  memo: schema.Optional(schema.String()),
  subTotal: schema.Optional(schema.Number({ description: 'The sum of the item lines, before discount, shipping and tax.' })),
  total: schema.Optional(schema.Number()),
  itemList: schema.Array(
    schema.Object({
      line: schema.Optional(schema.Integer()),
      item: refOutput,
      quantity: schema.Optional(schema.Number()),
      rate: schema.Optional(schema.String()),
      amount: schema.Optional(schema.Number()),
    }),
  ),
});

export const itemFulfillment = schema.Object({
  internalId: schema.String(),
  externalId: schema.Optional(schema.String()),
  tranId: schema.Optional(schema.String()),
  tranDate: schema.Optional(schema.String()),
  shipStatus: schema.Optional(schema.String({ description: '_picked, _packed or _shipped' })),
  createdFrom: schema.Optional(refOutput),
  entity: schema.Optional(refOutput),
  itemList: schema.Array(
    schema.Object({
      item: refOutput,
      quantity: schema.Optional(schema.Number()),
      location: schema.Optional(refOutput),
      orderLine: schema.Optional(schema.Integer()),
    }),
  ),
  packageList: schema.Array(
    schema.Object({
      packageTrackingNumber: schema.Optional(schema.String()),
      packageWeight: schema.Optional(schema.Number()),
      packageDescr: schema.Optional(schema.String()),
    }),
  ),
});

export const inventoryLevel = schema.Object({
  internalId: schema.String(),
  externalId: schema.Optional(schema.String()),
  itemId: schema.String({ description: 'The item name/number, usually the SKU.' }),
  displayName: schema.Optional(schema.String()),
  locations: schema.Array(
    schema.Object({
      locationId: schema.String(),
      location: schema.Optional(schema.String()),
      quantityOnHand: schema.Number(),
      quantityAvailable: schema.Number(),
    }),
  ),
});
