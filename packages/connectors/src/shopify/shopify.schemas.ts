import { schema } from '@weft/sdk';

/**
 * The parts of Shopify's records that flows read, with Shopify's own field names so its API
 * reference applies as written. Action outputs are the Admin GraphQL shapes (camelCase, global
 * ids `gid://shopify/Order/…`, money as decimal strings), with a connection's `nodes` given as
 * a plain array; webhook bodies are the REST shapes Shopify sends them in (snake_case, numeric
 * ids). Objects allow fields not listed: Shopify adds fields within an API version.
 */

const nullable = <T extends Parameters<typeof schema.Union>[0][number]>(type: T) => schema.Union([type, schema.Null()]);
const open = { additionalProperties: true } as const;

export const gid = (type: string) => schema.String({ pattern: `^gid://shopify/${type}/\\d+`, description: `Shopify's global id of the ${type}: gid://shopify/${type}/<number>.` });
const dateTime = schema.String({ description: 'ISO 8601, UTC.' });
const decimal = schema.String({ pattern: '^-?\\d+(\\.\\d+)?$', description: 'A decimal amount as a string.' });

export const moneyV2 = schema.Object({ amount: decimal, currencyCode: schema.String({ pattern: '^[A-Z]{3}$' }) }, open);
export const moneyBag = schema.Object({ shopMoney: moneyV2, presentmentMoney: moneyV2 }, open);

export const mailingAddress = schema.Object(
  {
    firstName: nullable(schema.String()),
    lastName: nullable(schema.String()),
    address1: nullable(schema.String()),
    address2: nullable(schema.String()),
    city: nullable(schema.String()),
    provinceCode: nullable(schema.String()),
    zip: nullable(schema.String()),
    countryCodeV2: nullable(schema.String({ pattern: '^[A-Z]{2}$' })),
    phone: nullable(schema.String()),
    company: nullable(schema.String()),
  },
  open,
);

export const customer = schema.Object(
  {
    id: gid('Customer'),
    legacyResourceId: schema.String({ pattern: '^\\d+$' }),
    firstName: nullable(schema.String()),
    lastName: nullable(schema.String()),
    displayName: schema.String(),
    email: nullable(schema.String()),
    phone: nullable(schema.String()),
    note: nullable(schema.String()),
    tags: schema.Array(schema.String()),
    state: schema.String({ description: 'DISABLED, ENABLED, INVITED or DECLINED' }),
    defaultAddress: nullable(mailingAddress),
    createdAt: dateTime,
    updatedAt: dateTime,
  },
  open,
);

export const lineItem = schema.Object(
  {
    id: gid('LineItem'),
    name: schema.String(),
    sku: nullable(schema.String()),
    quantity: schema.Integer(),
    currentQuantity: schema.Integer({ description: 'The quantity less what was refunded or removed.' }),
    originalUnitPriceSet: moneyBag,
    variant: nullable(schema.Object({ id: gid('ProductVariant') }, open)),
  },
  open,
);

const orderFields = {
  id: gid('Order'),
  legacyResourceId: schema.String({ pattern: '^\\d+$' }),
  name: schema.String({ description: 'The order name shown to the buyer, e.g. #1001.' }),
  email: nullable(schema.String()),
  createdAt: dateTime,
  updatedAt: dateTime,
  cancelledAt: nullable(dateTime),
  displayFinancialStatus: nullable(schema.String()),
  displayFulfillmentStatus: schema.String(),
  currencyCode: schema.String({ pattern: '^[A-Z]{3}$' }),
  tags: schema.Array(schema.String()),
  totalPriceSet: moneyBag,
  customer: nullable(schema.Object({ id: gid('Customer'), email: nullable(schema.String()) }, open)),
};

/**
 * One order of a list: the summary the list document selects (no lines, to keep its cost low).
 * Its subtotal is there, in shop money only, for what the order's lines compare with elsewhere
 * (an ERP's sales order subtotal): the total also holds shipping and tax.
 */
export const orderSummary = schema.Object(
  {
    ...orderFields,
    subtotalPriceSet: nullable(
      schema.Object({ shopMoney: moneyV2 }, { ...open, description: 'The line items after discounts, before shipping and tax; null on some orders (imported ones).' }),
    ),
  },
  open,
);

export const order = schema.Object(
  {
    ...orderFields,
    phone: nullable(schema.String()),
    processedAt: dateTime,
    cancelReason: nullable(schema.String()),
    note: nullable(schema.String()),
    subtotalPriceSet: nullable(moneyBag),
    shippingAddress: nullable(mailingAddress),
    lineItems: schema.Array(lineItem, { description: 'The first 50 lines.' }),
  },
  open,
);

export const variant = schema.Object(
  {
    id: gid('ProductVariant'),
    sku: nullable(schema.String()),
    title: schema.String(),
    displayName: schema.String(),
    price: decimal,
    inventoryQuantity: nullable(schema.Integer()),
    product: schema.Object({ id: gid('Product'), title: schema.String() }, open),
    inventoryItem: schema.Object({ id: gid('InventoryItem') }, open),
  },
  open,
);

export const fulfillmentOrder = schema.Object(
  {
    id: gid('FulfillmentOrder'),
    status: schema.String({ description: 'OPEN, IN_PROGRESS, CLOSED, CANCELLED, …; only OPEN and IN_PROGRESS can be fulfilled.' }),
    createdAt: dateTime,
    updatedAt: dateTime,
    assignedLocation: schema.Object({ name: schema.String(), location: nullable(schema.Object({ id: gid('Location') }, open)) }, open),
    lineItems: schema.Array(
      schema.Object(
        {
          id: gid('FulfillmentOrderLineItem'),
          sku: nullable(schema.String()),
          totalQuantity: schema.Integer(),
          remainingQuantity: schema.Integer(),
          inventoryItemId: nullable(gid('InventoryItem')),
        },
        open,
      ),
      { description: 'The first 25 lines.' },
    ),
  },
  open,
);

export const trackingInfo = schema.Object({ company: nullable(schema.String()), number: nullable(schema.String()), url: nullable(schema.String()) }, open);

export const fulfillment = schema.Object(
  {
    id: gid('Fulfillment'),
    name: schema.String(),
    status: schema.String(),
    createdAt: dateTime,
    totalQuantity: schema.Integer(),
    trackingInfo: schema.Array(trackingInfo),
  },
  open,
);

export const inventoryAdjustmentGroup = schema.Object(
  {
    id: gid('InventoryAdjustmentGroup'),
    createdAt: dateTime,
    reason: schema.String(),
    referenceDocumentUri: nullable(schema.String()),
    changes: schema.Array(
      schema.Object(
        {
          name: schema.String(),
          delta: schema.Integer(),
          quantityAfterChange: nullable(schema.Integer()),
          item: nullable(schema.Object({ id: gid('InventoryItem'), sku: nullable(schema.String()) }, open)),
          location: nullable(schema.Object({ id: gid('Location') }, open)),
        },
        open,
      ),
    ),
  },
  open,
);

/** The fields of CustomerInput a flow sets; Shopify ignores none of them. */
export const customerFields = {
  email: schema.Optional(schema.String({ maxLength: 255 })),
  phone: schema.Optional(schema.String({ description: 'E.164, e.g. +16135551111.' })),
  firstName: schema.Optional(schema.String({ maxLength: 255 })),
  lastName: schema.Optional(schema.String({ maxLength: 255 })),
  note: schema.Optional(schema.String()),
  tags: schema.Optional(schema.Array(schema.String({ maxLength: 255 }), { maxItems: 250 })),
  addresses: schema.Optional(
    schema.Array(
      schema.Object({
        address1: schema.Optional(schema.String()),
        address2: schema.Optional(schema.String()),
        city: schema.Optional(schema.String()),
        company: schema.Optional(schema.String()),
        countryCode: schema.Optional(schema.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2.' })),
        provinceCode: schema.Optional(schema.String()),
        zip: schema.Optional(schema.String()),
        firstName: schema.Optional(schema.String()),
        lastName: schema.Optional(schema.String()),
        phone: schema.Optional(schema.String()),
      }),
    ),
  ),
};

// ── Webhook bodies (REST shapes) ──────────────────────────────────────────────────────────────

const restMoney = schema.String({ pattern: '^-?\\d+(\\.\\d+)?$' });

// Only what every delivery carries is required: a body that fails the trigger's schema is
// acknowledged and not run, so a field Shopify may leave out (customer data an app is not
// granted, a custom line without a variant) must not be required.
const optionalNullable = <T extends Parameters<typeof schema.Union>[0][number]>(type: T) => schema.Optional(nullable(type));

const orderWebhookFields = {
  id: schema.Integer(),
  admin_graphql_api_id: gid('Order'),
  name: schema.String(),
  order_number: schema.Integer(),
  email: optionalNullable(schema.String()),
  created_at: schema.String(),
  updated_at: schema.String(),
  currency: schema.String({ pattern: '^[A-Z]{3}$' }),
  financial_status: optionalNullable(schema.String()),
  fulfillment_status: optionalNullable(schema.String()),
  total_price: restMoney,
  tags: schema.String({ description: 'Comma-separated.' }),
  customer: optionalNullable(schema.Object({ id: schema.Integer() }, open)),
  line_items: schema.Array(
    schema.Object(
      {
        id: schema.Integer(),
        variant_id: optionalNullable(schema.Integer()),
        sku: optionalNullable(schema.String()),
        title: schema.String(),
        quantity: schema.Integer(),
        price: restMoney,
      },
      open,
    ),
  ),
};

/** An order as a webhook sends it; `cancelled_at` says which order webhooks can carry it. */
export const orderWebhook = (cancelledAt: 'never' | 'always' | 'either') =>
  schema.Object(
    {
      ...orderWebhookFields,
      cancelled_at:
        cancelledAt === 'never' ? schema.Null() : cancelledAt === 'always' ? schema.String({ description: 'When the order was cancelled.' }) : nullable(schema.String()),
    },
    open,
  );

export const refundWebhook = schema.Object(
  {
    id: schema.Integer(),
    admin_graphql_api_id: gid('Refund'),
    order_id: schema.Integer(),
    created_at: schema.String(),
    note: optionalNullable(schema.String()),
    refund_line_items: schema.Array(
      schema.Object({ id: schema.Integer(), line_item_id: schema.Integer(), quantity: schema.Integer(), subtotal: restMoney }, open),
    ),
    transactions: schema.Array(schema.Object({ id: schema.Integer(), kind: schema.String(), status: schema.String(), amount: restMoney }, open)),
  },
  open,
);
