import {
  canonical,
  defineMapping,
  schema,
  type CanonicalAddress,
  type CanonicalCustomer,
  type CanonicalMoney,
  type CanonicalOrder,
  type CanonicalOrderLine,
  type Infer,
} from '@weft/sdk';
import { createCustomer } from './create-customer.action.ts';
import { createFulfillment } from './create-fulfillment.action.ts';
import { setInventoryQuantities } from './set-inventory-quantities.action.ts';
import { customer, fulfillmentOrder, gid, mailingAddress, order, variant } from './shopify.schemas.ts';

/**
 * Shopify ⇄ canonical. To canonical: the order webhooks (orders/create, orders/updated,
 * orders/cancelled: the REST resource), the refunds/create webhook, and the Admin GraphQL order,
 * customer and variant the actions return. From canonical: a shipment becomes a fulfillment, an
 * inventory level a quantity to set, a customer a customer to create.
 *
 * Ids are Shopify's global ids (gid://shopify/Order/…) under the key "shopify": they are what the
 * actions take and what create actions link in the cross-reference store. A mapping cannot know
 * the connection's name, so it keys ids by the connector id; a flow with two Shopify connections
 * renames the key. Money is the shop's currency (`shop_money`), never the buyer's presentment
 * currency, so amounts add up across orders.
 */

const SYSTEM = 'shopify';
const open = { additionalProperties: true } as const;
const nullable = <T extends Parameters<typeof schema.Union>[0][number]>(type: T) => schema.Optional(schema.Union([type, schema.Null()]));
const restDecimal = schema.String({ pattern: '^-?\\d+(\\.\\d+)?$' });
const currencyCode = schema.String({ pattern: '^[A-Z]{3}$' });
const restMoneySet = schema.Object({ shop_money: schema.Object({ amount: restDecimal, currency_code: currencyCode }, open) }, open);

// ── Decimal arithmetic ────────────────────────────────────────────────────────────────────────
// Line totals are computed (price × quantity − discount). Floats would turn 0.1 + 0.2 into
// 0.30000000000000004, so amounts are scaled integers and keep the most decimals of their inputs:
// JPY stays whole, KWD keeps three places.

interface Scaled {
  units: bigint;
  scale: number;
}

function parseDecimal(text: string, what: string): Scaled {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new TypeError(`${what}: ${JSON.stringify(text)} is not a decimal amount`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

function formatDecimal({ units, scale }: Scaled): string {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  return `${units < 0n ? '-' : ''}${whole}${scale === 0 ? '' : `.${digits.slice(digits.length - scale)}`}`;
}

function rescale(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

function addDecimals(values: readonly Scaled[]): Scaled {
  const scale = Math.max(0, ...values.map((value) => value.scale));
  return { units: values.reduce((sum, value) => sum + rescale(value, scale), 0n), scale };
}

function moneyOf(amount: Scaled, currency: string): CanonicalMoney {
  return { amount: formatDecimal(amount), currency };
}

// ── Shared pieces ─────────────────────────────────────────────────────────────────────────────

const TIMESTAMP = new RegExp(canonical.Timestamp.pattern!);

function timestamp(value: string, what: string): string {
  // Kept exactly as Shopify wrote it: the offset says the shop's local time, and a converted
  // instant would no longer match the order's page in the Shopify admin.
  if (!TIMESTAMP.test(value)) throw new TypeError(`${what}: ${JSON.stringify(value)} is not an ISO 8601 date-time with an offset`);
  return value;
}

/**
 * Canonical phones are E.164. Shopify stores customer phones that way but keeps address phones as
 * typed; "+1 (416) 555-0100" only needs its punctuation removed, while a number without a country
 * code cannot be converted without guessing the country, so it is left out.
 */
function e164(phone: string | null | undefined): string | undefined {
  const compact = phone?.replace(/[\s().-]/g, '');
  return compact !== undefined && /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : undefined;
}

function text(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The object without its undefined fields: outputs leave absent fields out. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

interface AddressFields {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  address1?: string | null | undefined;
  address2?: string | null | undefined;
  city?: string | null | undefined;
  provinceCode?: string | null | undefined;
  zip?: string | null | undefined;
  countryCode?: string | null | undefined;
  phone?: string | null | undefined;
  company?: string | null | undefined;
}

/**
 * A canonical address needs a street line, a city and a country. An address Shopify has but that
 * lacks one of them is refused rather than dropped: shipping to half an address is the bug.
 */
function canonicalAddress(address: AddressFields, what: string): CanonicalAddress {
  const lines = [text(address.address1), text(address.address2)].filter((line): line is string => line !== undefined);
  const city = text(address.city);
  const country = text(address.countryCode)?.toUpperCase();
  const missing = [lines.length === 0 && 'address1', city === undefined && 'city', country === undefined && 'country code'].filter(Boolean);
  if (missing.length > 0) throw new TypeError(`${what} has no ${missing.join(', ')}: a canonical address needs a street line, a city and a country`);
  const name = [text(address.firstName), text(address.lastName)].filter(Boolean).join(' ');
  return compact({
    name: name === '' ? undefined : name,
    company: text(address.company),
    lines,
    city: city!,
    // Shopify's province code as it is ("CA", "ON", "JP-13"): its codes are ISO 3166-2
    // subdivision parts for most countries but not all, so no country prefix is made up.
    region: text(address.provinceCode),
    postalCode: text(address.zip),
    country: country!,
    phone: e164(address.phone),
  });
}

function restAddressFields(address: Infer<typeof restAddress>): AddressFields {
  return {
    firstName: address.first_name,
    lastName: address.last_name,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    provinceCode: address.province_code,
    zip: address.zip,
    countryCode: address.country_code,
    phone: address.phone,
    company: address.company,
  };
}

function graphqlAddressFields(address: Infer<typeof mailingAddress>): AddressFields {
  return { ...address, countryCode: address.countryCodeV2 };
}

/** Shopify's financial statuses (REST lower case, GraphQL upper case) in canonical terms. */
const FINANCIAL_STATUS: Record<string, CanonicalOrder['financialStatus']> = {
  pending: 'pending',
  authorized: 'authorized',
  paid: 'paid',
  partially_paid: 'partially-paid',
  partially_refunded: 'partially-refunded',
  refunded: 'refunded',
  voided: 'voided',
  // An authorization that lapsed uncaptured: no money moved, as with a voided one.
  expired: 'voided',
};

function financialStatus(status: string | null | undefined): CanonicalOrder['financialStatus'] {
  return status === null || status === undefined ? undefined : FINANCIAL_STATUS[status.toLowerCase()];
}

/** Cancellation wins, then closing, then how far fulfillment got; an order Shopify took is confirmed. */
function orderStatus(fields: { cancelled: boolean; closed: boolean; fulfillment: string | null | undefined }): CanonicalOrder['status'] {
  if (fields.cancelled) return 'cancelled';
  if (fields.closed) return 'closed';
  switch (fields.fulfillment?.toLowerCase()) {
    case 'fulfilled':
      return 'fulfilled';
    case 'partial':
    case 'partially_fulfilled':
      return 'partially-fulfilled';
    default:
      return 'confirmed';
  }
}

function requireSku(sku: string | null | undefined, what: string): string {
  const found = text(sku);
  if (found === undefined) {
    throw new TypeError(`${what} has no SKU: canonical order lines are matched across systems by SKU, so give the product variant one in Shopify`);
  }
  return found;
}

// ── Webhook bodies (REST) → canonical ─────────────────────────────────────────────────────────

const restAddress = schema.Object(
  {
    first_name: nullable(schema.String()),
    last_name: nullable(schema.String()),
    address1: nullable(schema.String()),
    address2: nullable(schema.String()),
    city: nullable(schema.String()),
    province_code: nullable(schema.String()),
    zip: nullable(schema.String()),
    country_code: nullable(schema.String()),
    phone: nullable(schema.String()),
    company: nullable(schema.String()),
  },
  open,
);

const restLineItem = schema.Object(
  {
    id: schema.Integer(),
    admin_graphql_api_id: schema.Optional(gid('LineItem')),
    sku: nullable(schema.String()),
    title: schema.String(),
    name: schema.Optional(schema.String()),
    quantity: schema.Integer({ minimum: 0 }),
    price: restDecimal,
    price_set: schema.Optional(restMoneySet),
    total_discount: schema.Optional(restDecimal),
    total_discount_set: schema.Optional(restMoneySet),
    discount_allocations: schema.Optional(schema.Array(schema.Object({ amount: restDecimal, amount_set: schema.Optional(restMoneySet) }, open))),
    tax_lines: schema.Optional(schema.Array(schema.Object({ price: restDecimal, price_set: schema.Optional(restMoneySet) }, open))),
  },
  open,
);

/** The orders/create, orders/updated and orders/cancelled body: the fields the mapping reads. */
export const orderWebhookBody = schema.Object(
  {
    id: schema.Integer(),
    admin_graphql_api_id: gid('Order'),
    name: schema.String({ minLength: 1 }),
    email: nullable(schema.String()),
    phone: nullable(schema.String()),
    created_at: schema.String(),
    updated_at: schema.String(),
    cancelled_at: nullable(schema.String()),
    cancel_reason: nullable(schema.String()),
    closed_at: nullable(schema.String()),
    currency: currencyCode,
    financial_status: nullable(schema.String()),
    fulfillment_status: nullable(schema.String()),
    subtotal_price: restDecimal,
    subtotal_price_set: schema.Optional(restMoneySet),
    total_price: restDecimal,
    total_price_set: schema.Optional(restMoneySet),
    total_tax: schema.Optional(restDecimal),
    total_tax_set: schema.Optional(restMoneySet),
    total_discounts: schema.Optional(restDecimal),
    total_discounts_set: schema.Optional(restMoneySet),
    total_shipping_price_set: schema.Optional(restMoneySet),
    tags: schema.Optional(schema.String({ description: 'Comma-separated.' })),
    note: nullable(schema.String()),
    customer: nullable(
      schema.Object(
        {
          id: schema.Integer(),
          admin_graphql_api_id: schema.Optional(gid('Customer')),
          email: nullable(schema.String()),
          first_name: nullable(schema.String()),
          last_name: nullable(schema.String()),
          phone: nullable(schema.String()),
          created_at: nullable(schema.String()),
          updated_at: nullable(schema.String()),
        },
        open,
      ),
    ),
    billing_address: nullable(restAddress),
    shipping_address: nullable(restAddress),
    line_items: schema.Array(restLineItem, { minItems: 1 }),
  },
  open,
);

type RestMoneySet = Infer<typeof restMoneySet>;

/** `*_set.shop_money` when Shopify sent it, else the plain amount, which is also in the shop's currency. */
function restMoney(set: RestMoneySet | undefined, plain: string | undefined, currency: string, what: string): CanonicalMoney | undefined {
  if (set !== undefined) return moneyOf(parseDecimal(set.shop_money.amount, what), set.shop_money.currency_code);
  return plain === undefined ? undefined : moneyOf(parseDecimal(plain, what), currency);
}

/** The shop-currency amount of a `*_set`, or without one the plain string. */
function restAmount(set: RestMoneySet | undefined, plain: string, what: string): Scaled {
  return parseDecimal(set?.shop_money.amount ?? plain, what);
}

function restLine(line: Infer<typeof restLineItem>, currency: string): CanonicalOrderLine {
  const what = `line item ${line.id} (${JSON.stringify(line.name ?? line.title)})`;
  const unitPrice = restMoney(line.price_set, line.price, currency, `${what} price`)!;
  const price = parseDecimal(unitPrice.amount, `${what} price`);
  // Shopify replaced total_discount with discount_allocations; a body may carry either.
  const allocations = line.discount_allocations ?? [];
  const discount =
    allocations.length > 0
      ? addDecimals(allocations.map((allocation) => restAmount(allocation.amount_set, allocation.amount, `${what} discount`)))
      : line.total_discount === undefined
        ? undefined
        : restAmount(line.total_discount_set, line.total_discount, `${what} discount`);
  const taxes = (line.tax_lines ?? []).map((tax) => restAmount(tax.price_set, tax.price, `${what} tax`));
  const gross = { units: price.units * BigInt(line.quantity), scale: price.scale };
  const total = discount === undefined ? gross : addDecimals([gross, { units: -discount.units, scale: discount.scale }]);
  return compact({
    ids: { [SYSTEM]: line.admin_graphql_api_id ?? `gid://shopify/LineItem/${line.id}` },
    sku: requireSku(line.sku, what),
    name: line.name ?? line.title,
    quantity: { value: String(line.quantity), unit: 'each' },
    unitPrice,
    discount: discount === undefined || discount.units === 0n ? undefined : moneyOf(discount, unitPrice.currency),
    tax: taxes.length === 0 ? undefined : moneyOf(addDecimals(taxes), unitPrice.currency),
    // Before tax, as Shopify's and NetSuite's line amounts are.
    total: moneyOf(total, unitPrice.currency),
  });
}

export const orderWebhookToCanonical = defineMapping({
  id: 'order-webhook-to-canonical',
  name: 'Shopify order webhook → canonical order',
  description:
    'The body of orders/create, orders/updated or orders/cancelled (Shopify\'s REST order) as a canonical order. A cancelled order (cancelled_at set) has status cancelled. Money is in the shop\'s currency; a line without a SKU is an error naming the line.',
  direction: 'to-canonical',
  canonical: 'order@1',
  input: orderWebhookBody,
  output: canonical.Order,
  map: (body) => {
    const currency = body.currency;
    const buyer = body.customer ?? undefined;
    const tags = body.tags?.split(',').map((tag) => tag.trim()).filter(Boolean) ?? [];
    const custom = compact({ tags: tags.length === 0 ? undefined : tags, cancelReason: body.cancel_reason ?? undefined });
    return compact({
      ids: { [SYSTEM]: body.admin_graphql_api_id },
      number: body.name,
      status: orderStatus({ cancelled: text(body.cancelled_at) !== undefined, closed: text(body.closed_at) !== undefined, fulfillment: body.fulfillment_status }),
      financialStatus: financialStatus(body.financial_status),
      currency,
      customer: compact<CanonicalCustomer>({
        ids: buyer === undefined ? undefined : { [SYSTEM]: buyer.admin_graphql_api_id ?? `gid://shopify/Customer/${buyer.id}` },
        email: text(buyer?.email) ?? text(body.email),
        firstName: text(buyer?.first_name),
        lastName: text(buyer?.last_name),
        phone: e164(buyer?.phone) ?? e164(body.phone),
        createdAt: buyer?.created_at == null ? undefined : timestamp(buyer.created_at, 'customer.created_at'),
        updatedAt: buyer?.updated_at == null ? undefined : timestamp(buyer.updated_at, 'customer.updated_at'),
      }),
      billingAddress: body.billing_address == null ? undefined : canonicalAddress(restAddressFields(body.billing_address), 'the billing address'),
      shippingAddress: body.shipping_address == null ? undefined : canonicalAddress(restAddressFields(body.shipping_address), 'the shipping address'),
      lines: body.line_items.map((line) => restLine(line, currency)),
      subtotal: restMoney(body.subtotal_price_set, body.subtotal_price, currency, 'subtotal_price')!,
      shipping: restMoney(body.total_shipping_price_set, undefined, currency, 'total_shipping_price_set'),
      tax: restMoney(body.total_tax_set, body.total_tax, currency, 'total_tax'),
      discount: restMoney(body.total_discounts_set, body.total_discounts, currency, 'total_discounts'),
      total: restMoney(body.total_price_set, body.total_price, currency, 'total_price')!,
      placedAt: timestamp(body.created_at, 'created_at'),
      updatedAt: timestamp(body.updated_at, 'updated_at'),
      cancelledAt: body.cancelled_at == null ? undefined : timestamp(body.cancelled_at, 'cancelled_at'),
      note: text(body.note),
      custom: Object.keys(custom).length === 0 ? undefined : custom,
    });
  },
});

/** The refunds/create body; `line_item` is the refunded order line as Shopify embeds it. */
export const refundWebhookBody = schema.Object(
  {
    id: schema.Integer(),
    admin_graphql_api_id: gid('Refund'),
    order_id: schema.Integer(),
    created_at: schema.String(),
    note: nullable(schema.String()),
    refund_line_items: schema.Array(
      schema.Object(
        {
          id: schema.Integer(),
          line_item_id: schema.Integer(),
          quantity: schema.Integer({ minimum: 0 }),
          subtotal: restDecimal,
          subtotal_set: schema.Optional(restMoneySet),
          line_item: schema.Optional(schema.Object({ sku: nullable(schema.String()), title: schema.Optional(schema.String()) }, open)),
        },
        open,
      ),
    ),
    transactions: schema.Array(
      schema.Object({ id: schema.Integer(), kind: schema.String(), status: schema.String(), amount: restDecimal, currency: schema.Optional(currencyCode) }, open),
    ),
  },
  open,
);

const REFUND_REASON_MAX = 500;

export const refundWebhookToCanonical = defineMapping({
  id: 'refund-webhook-to-canonical',
  name: 'Shopify refund webhook → canonical refund',
  description:
    'The refunds/create body as a canonical refund: the amount is the sum of its refund transactions, the lines are the refunded order lines by SKU, the note is the reason. The order id is the order\'s global id.',
  direction: 'to-canonical',
  canonical: 'refund@1',
  input: refundWebhookBody,
  output: canonical.Refund,
  map: (body) => {
    const refunds = body.transactions.filter((transaction) => transaction.kind === 'refund');
    const failed = (status: string) => status === 'failure' || status === 'error';
    const settled = refunds.filter((transaction) => !failed(transaction.status));
    // A refund that only restocks moves no money and has no transaction; its lines still say the currency.
    const currency = refunds.find((transaction) => transaction.currency !== undefined)?.currency ?? body.refund_line_items.find((line) => line.subtotal_set !== undefined)?.subtotal_set?.shop_money.currency_code;
    if (currency === undefined) throw new TypeError(`refund ${body.id}: neither a transaction nor a refunded line says the currency`);
    const counted = settled.length > 0 ? settled : refunds;
    const amount = addDecimals(counted.map((transaction) => parseDecimal(transaction.amount, `refund transaction ${transaction.id} amount`)));
    const status = refunds.length > 0 && settled.length === 0 ? 'failed' : settled.some((transaction) => transaction.status === 'pending') ? 'pending' : 'succeeded';
    const note = text(body.note);
    return compact({
      ids: { [SYSTEM]: body.admin_graphql_api_id },
      orderIds: { [SYSTEM]: `gid://shopify/Order/${body.order_id}` },
      amount: moneyOf(amount, currency),
      reason: note === undefined || note.length <= REFUND_REASON_MAX ? note : `${note.slice(0, REFUND_REASON_MAX - 1)}…`,
      lines: body.refund_line_items.map((line) => {
        const what = `refunded line item ${line.line_item_id}`;
        if (line.line_item === undefined) throw new TypeError(`${what}: the body does not embed the order line (line_item), so its SKU is unknown`);
        return {
          sku: requireSku(line.line_item.sku, what),
          quantity: { value: String(line.quantity), unit: 'each' },
          amount: restMoney(line.subtotal_set, line.subtotal, currency, `${what} subtotal`)!,
        };
      }),
      status,
      createdAt: timestamp(body.created_at, 'created_at'),
      // The reason is capped; the whole note is kept with the refund.
      custom: note !== undefined && note.length > REFUND_REASON_MAX ? { note } : undefined,
    });
  },
});

// ── Admin GraphQL records → canonical ─────────────────────────────────────────────────────────

type GraphqlMoneyBag = Infer<typeof order>['totalPriceSet'];

function shopMoney(bag: GraphqlMoneyBag, what: string): CanonicalMoney {
  return moneyOf(parseDecimal(bag.shopMoney.amount, what), bag.shopMoney.currencyCode);
}

export const orderToCanonical = defineMapping({
  id: 'order-to-canonical',
  name: 'Shopify order → canonical order',
  description:
    'The get-order output as a canonical order. get-order selects no tax, shipping or discounts, so the canonical order has none and each line\'s total is its price × quantity. A line without a SKU is an error naming the line.',
  direction: 'to-canonical',
  canonical: 'order@1',
  input: order,
  output: canonical.Order,
  map: (found) => {
    const lines = found.lineItems.map((line): CanonicalOrderLine => {
      const what = `line item ${line.id} (${JSON.stringify(line.name)})`;
      const unitPrice = shopMoney(line.originalUnitPriceSet, `${what} price`);
      const price = parseDecimal(unitPrice.amount, `${what} price`);
      return {
        ids: { [SYSTEM]: line.id },
        sku: requireSku(line.sku, what),
        name: line.name,
        quantity: { value: String(line.quantity), unit: 'each' },
        unitPrice,
        total: moneyOf({ units: price.units * BigInt(line.quantity), scale: price.scale }, unitPrice.currency),
      };
    });
    // Shopify leaves subtotalPriceSet null on some orders (e.g. imported ones); the lines' sum is then the subtotal.
    const subtotal =
      found.subtotalPriceSet === null
        ? moneyOf(addDecimals(lines.map((line) => parseDecimal(line.total.amount, 'line total'))), found.currencyCode)
        : shopMoney(found.subtotalPriceSet, 'subtotalPriceSet');
    return compact({
      ids: { [SYSTEM]: found.id },
      number: found.name,
      status: orderStatus({ cancelled: found.cancelledAt !== null, closed: false, fulfillment: found.displayFulfillmentStatus }),
      financialStatus: financialStatus(found.displayFinancialStatus),
      currency: found.currencyCode,
      customer: compact<CanonicalCustomer>({
        ids: found.customer === null ? undefined : { [SYSTEM]: found.customer.id },
        email: text(found.customer?.email) ?? text(found.email),
        phone: e164(found.phone),
      }),
      shippingAddress: found.shippingAddress === null ? undefined : canonicalAddress(graphqlAddressFields(found.shippingAddress), 'the shipping address'),
      lines,
      subtotal,
      total: shopMoney(found.totalPriceSet, 'totalPriceSet'),
      placedAt: timestamp(found.createdAt, 'createdAt'),
      updatedAt: timestamp(found.updatedAt, 'updatedAt'),
      cancelledAt: found.cancelledAt === null ? undefined : timestamp(found.cancelledAt, 'cancelledAt'),
      note: text(found.note),
      custom: found.tags.length === 0 && found.cancelReason === null ? undefined : compact({ tags: found.tags.length === 0 ? undefined : found.tags, cancelReason: found.cancelReason ?? undefined }),
    });
  },
});

export const customerToCanonical = defineMapping({
  id: 'customer-to-canonical',
  name: 'Shopify customer → canonical customer',
  description:
    'A customer as get-customer, create-customer and update-customer return it. Its default address, the one Shopify ships to, is the shipping address; tags, note and account state are kept in custom.',
  direction: 'to-canonical',
  canonical: 'customer@1',
  input: customer,
  output: canonical.Customer,
  map: (found) => {
    const custom = compact({ tags: found.tags.length === 0 ? undefined : found.tags, note: text(found.note), state: found.state });
    return compact({
      ids: { [SYSTEM]: found.id },
      email: text(found.email),
      firstName: text(found.firstName),
      lastName: text(found.lastName),
      company: text(found.defaultAddress?.company),
      phone: e164(found.phone),
      shippingAddress: found.defaultAddress === null ? undefined : canonicalAddress(graphqlAddressFields(found.defaultAddress), 'the default address'),
      createdAt: timestamp(found.createdAt, 'createdAt'),
      updatedAt: timestamp(found.updatedAt, 'updatedAt'),
      custom,
    });
  },
});

export const variantToCanonical = defineMapping({
  id: 'variant-to-canonical',
  name: 'Shopify variant → canonical item',
  description:
    'One variant of the list-variants-by-sku output as a canonical item. A variant\'s price has no currency of its own: give the shop\'s currency to carry the price, or leave it out for an item without one. The product and inventory item ids (what set-inventory-quantities takes) are kept in custom.',
  direction: 'to-canonical',
  canonical: 'item@1',
  input: schema.Object({ variant, currency: schema.Optional(currencyCode) }),
  output: canonical.Item,
  map: ({ variant: found, currency }) =>
    compact({
      ids: { [SYSTEM]: found.id },
      sku: requireSku(found.sku, `variant ${found.id} (${JSON.stringify(found.displayName)})`),
      name: found.displayName,
      price: currency === undefined ? undefined : moneyOf(parseDecimal(found.price, 'price'), currency),
      custom: { productId: found.product.id, inventoryItemId: found.inventoryItem.id },
    }),
});

// ── Canonical → action inputs ─────────────────────────────────────────────────────────────────

type CreateFulfillmentInput = Infer<typeof createFulfillment.input>;

/** Carrier ids as canonical shipments spell them → the company names Shopify links tracking for. */
const SHOPIFY_CARRIER_NAMES: Record<string, string> = {
  fedex: 'FedEx',
  ups: 'UPS',
  usps: 'USPS',
  dhl: 'DHL Express',
  'dhl-express': 'DHL Express',
  'dhl-ecommerce': 'DHL eCommerce',
  'canada-post': 'Canada Post',
  'royal-mail': 'Royal Mail',
  'australia-post': 'Australia Post',
  purolator: 'Purolator',
  tnt: 'TNT',
  postnord: 'PostNord',
  delhivery: 'Delhivery',
  bluedart: 'Bluedart',
};

/** Only these can be fulfilled; the others are closed, cancelled or held. */
const FULFILLABLE = new Set(['OPEN', 'IN_PROGRESS']);

function pieces(quantity: { value: string; unit: string }, what: string): number {
  if (quantity.unit !== 'each' || !/^-?\d+$/.test(quantity.value)) {
    throw new TypeError(`${what}: Shopify counts whole pieces, not ${quantity.value} ${quantity.unit}`);
  }
  return Number(quantity.value);
}

export const canonicalToFulfillment = defineMapping({
  id: 'canonical-to-fulfillment',
  name: 'Canonical shipment → Shopify create fulfillment',
  description:
    'The input for create-fulfillment. Shopify fulfills fulfillment orders, not orders, so the flow supplies the order\'s fulfillment orders (get-fulfillment-orders output `fulfillmentOrders`) with the shipment: its lines are matched to open fulfillment order lines by SKU; a shipment without lines ships everything still open. The carrier becomes the tracking company Shopify knows ("fedex" → "FedEx").',
  direction: 'from-canonical',
  canonical: 'shipment@1',
  input: schema.Object({ shipment: canonical.Shipment, fulfillmentOrders: schema.Array(fulfillmentOrder) }),
  output: createFulfillment.input,
  map: ({ shipment, fulfillmentOrders }) => {
    if (shipment.status === 'cancelled') throw new TypeError(`shipment ${shipment.trackingNumber} is cancelled: there is nothing to fulfill`);
    const fulfillable = fulfillmentOrders.filter((fo) => FULFILLABLE.has(fo.status));
    if (fulfillable.length === 0) {
      throw new TypeError(`no fulfillment order is open (statuses: ${fulfillmentOrders.map((fo) => fo.status).join(', ') || 'none'}): the order has nothing left to fulfill`);
    }
    let lineItemsByFulfillmentOrder: CreateFulfillmentInput['lineItemsByFulfillmentOrder'];
    if (shipment.lines === undefined || shipment.lines.length === 0) {
      lineItemsByFulfillmentOrder = fulfillable.map((fo) => ({ fulfillmentOrderId: fo.id }));
    } else {
      const remaining = new Map(fulfillable.flatMap((fo) => fo.lineItems.map((line) => [line.id, line.remainingQuantity] as const)));
      const taken = new Map<string, Map<string, number>>();
      for (const line of shipment.lines) {
        const wanted = pieces(line.quantity, `shipment line ${line.sku}`);
        let left = wanted;
        for (const fo of fulfillable) {
          for (const foLine of fo.lineItems) {
            if (foLine.sku !== line.sku || left === 0) continue;
            const take = Math.min(left, remaining.get(foLine.id) ?? 0);
            if (take === 0) continue;
            remaining.set(foLine.id, remaining.get(foLine.id)! - take);
            const lines = taken.get(fo.id) ?? new Map<string, number>();
            lines.set(foLine.id, (lines.get(foLine.id) ?? 0) + take);
            taken.set(fo.id, lines);
            left -= take;
          }
        }
        if (left > 0) throw new TypeError(`shipment line ${line.sku}: ${wanted} to ship, but the open fulfillment orders have only ${wanted - left} of that SKU left to fulfill`);
      }
      lineItemsByFulfillmentOrder = [...taken].map(([fulfillmentOrderId, lines]) => ({
        fulfillmentOrderId,
        fulfillmentOrderLineItems: [...lines].map(([id, quantity]) => ({ id, quantity })),
      }));
    }
    if (shipment.trackingUrl !== undefined && !/^https?:\/\//i.test(shipment.trackingUrl)) {
      throw new TypeError(`trackingUrl ${JSON.stringify(shipment.trackingUrl)}: Shopify takes only http(s) tracking links`);
    }
    return {
      lineItemsByFulfillmentOrder,
      trackingInfo: compact({
        number: shipment.trackingNumber,
        company: SHOPIFY_CARRIER_NAMES[shipment.carrier.toLowerCase()] ?? shipment.carrier,
        url: shipment.trackingUrl,
      }),
    };
  },
});

type SetInventoryInput = Infer<typeof setInventoryQuantities.input>;

export const canonicalToInventoryQuantities = defineMapping({
  id: 'canonical-to-inventory-quantities',
  name: 'Canonical inventory levels → Shopify set inventory quantities',
  description:
    'The input for set-inventory-quantities: each level\'s available quantity, set absolutely. Shopify addresses stock by inventory item and location, so the flow supplies the variants of the levels\' SKUs (list-variants-by-sku output `variants`) and `locations`, which Shopify location each level\'s location is. A SKU no variant has, or several variants with different inventory items have, is an error.',
  direction: 'from-canonical',
  canonical: 'inventory-level@1',
  input: schema.Object({
    levels: schema.Array(canonical.InventoryLevel, { minItems: 1, maxItems: 250 }),
    variants: schema.Array(variant),
    locations: schema.Record(schema.String(), gid('Location'), { description: 'The Shopify location of each level\'s `location`, e.g. { "1": "gid://shopify/Location/…" }.' }),
  }),
  output: setInventoryQuantities.input,
  map: ({ levels, variants, locations }) => {
    const seen = new Set<string>();
    const quantities: SetInventoryInput['quantities'] = levels.map((level) => {
      const items = [...new Set(variants.filter((candidate) => candidate.sku === level.sku).map((candidate) => candidate.inventoryItem.id))];
      if (items.length === 0) throw new TypeError(`no Shopify variant has SKU ${level.sku}`);
      if (items.length > 1) throw new TypeError(`SKU ${level.sku} belongs to several Shopify inventory items (${items.join(', ')}): which one to set is ambiguous`);
      const locationId = locations[level.location];
      if (locationId === undefined) throw new TypeError(`location ${JSON.stringify(level.location)} (of SKU ${level.sku}) has no Shopify location in \`locations\``);
      const key = `${items[0]} ${locationId}`;
      if (seen.has(key)) throw new TypeError(`SKU ${level.sku} at Shopify location ${locationId} is given twice`);
      seen.add(key);
      return { inventoryItemId: items[0]!, locationId, quantity: pieces(level.available, `SKU ${level.sku} available`) };
    });
    return { name: 'available' as const, quantities };
  },
});

type ShopifyAddressInput = NonNullable<Infer<typeof createCustomer.input>['addresses']>[number];

function shopifyAddress(address: CanonicalAddress, person: CanonicalCustomer): ShopifyAddressInput {
  const [address1, ...rest] = address.lines;
  // Shopify wants a first and a last name; a recipient name can be split only when it is the
  // customer's own, whose parts are known.
  const isOwnName = address.name !== undefined && address.name === [person.firstName, person.lastName].filter(Boolean).join(' ');
  return compact({
    firstName: isOwnName ? person.firstName : undefined,
    lastName: isOwnName ? person.lastName : undefined,
    address1,
    address2: rest.length === 0 ? undefined : rest.join(', '),
    city: address.city,
    company: address.company,
    countryCode: address.country,
    provinceCode: address.region,
    zip: address.postalCode,
    phone: address.phone,
  });
}

export const canonicalToCustomer = defineMapping({
  id: 'canonical-to-customer',
  name: 'Canonical customer → Shopify create customer',
  description:
    'The input for create-customer: name, email, phone, and the shipping and billing addresses (one when they are the same). An address carries a first and last name only when its recipient is the customer: another name cannot be split reliably.',
  direction: 'from-canonical',
  canonical: 'customer@1',
  input: canonical.Customer,
  output: createCustomer.input,
  map: (person) => {
    const addresses = [person.shippingAddress, person.billingAddress]
      .filter((address): address is CanonicalAddress => address !== undefined)
      .map((address) => shopifyAddress(address, person))
      .filter((address, index, all) => all.findIndex((other) => JSON.stringify(other) === JSON.stringify(address)) === index);
    return compact({
      email: person.email,
      phone: person.phone,
      firstName: person.firstName,
      lastName: person.lastName,
      addresses: addresses.length === 0 ? undefined : addresses,
    });
  },
});

export const shopifyMappings = [
  orderWebhookToCanonical,
  refundWebhookToCanonical,
  orderToCanonical,
  customerToCanonical,
  variantToCanonical,
  canonicalToFulfillment,
  canonicalToInventoryQuantities,
  canonicalToCustomer,
];
