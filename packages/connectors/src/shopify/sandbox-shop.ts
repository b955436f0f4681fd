import { createCollection, type Collection } from '@weft/sdk/testing';
import {
  FIRST_ORDER_NUMBER,
  SEED_CUSTOMERS,
  SEED_EPOCH_MS,
  SEED_LOCATION,
  SEED_ORDER_COUNT,
  SEED_PRODUCTS,
  STANDARD_THROTTLE,
} from './shopify.fixtures.ts';

/**
 * The Shopify sandbox's in-memory shop: records keyed by their global ids (`gid://shopify/Order/…`),
 * with the fields the Admin API exposes under the same names. Times are epoch ms; the GraphQL
 * layer renders them as Shopify's DateTime.
 */

export interface ShopAddress {
  firstName: string | null;
  lastName: string | null;
  address1: string | null;
  address2: string | null;
  city: string | null;
  provinceCode: string | null;
  zip: string | null;
  countryCode: string | null;
  phone: string | null;
  company: string | null;
}

export interface ShopCustomer {
  id: string;
  legacyResourceId: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  note: string | null;
  tags: string[];
  state: 'DISABLED' | 'ENABLED' | 'INVITED' | 'DECLINED';
  addresses: ShopAddress[];
  createdAt: number;
  updatedAt: number;
}

export interface ShopProduct {
  id: string;
  title: string;
  handle: string;
  status: 'ACTIVE';
  vendor: string;
  productType: string;
}

export interface ShopVariant {
  id: string;
  legacyResourceId: number;
  productId: string;
  inventoryItemId: string;
  sku: string;
  title: string;
  price: string;
  createdAt: number;
  updatedAt: number;
}

export interface ShopLineItem {
  id: string;
  variantId: string;
  sku: string;
  title: string;
  variantTitle: string;
  quantity: number;
  price: string;
}

export interface ShopOrder {
  id: string;
  legacyResourceId: number;
  number: number;
  email: string | null;
  phone: string | null;
  customerId: string | null;
  currencyCode: 'EUR' | 'USD' | 'GBP';
  financialStatus: 'PAID' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
  cancelledAt: number | null;
  cancelReason: 'CUSTOMER' | null;
  note: string | null;
  tags: string[];
  shippingAddress: ShopAddress | null;
  lineItems: ShopLineItem[];
  createdAt: number;
  updatedAt: number;
}

export interface ShopFulfillmentOrderLine {
  id: string;
  lineItemId: string;
  totalQuantity: number;
  remainingQuantity: number;
}

export interface ShopFulfillmentOrder {
  id: string;
  orderId: string;
  status: 'OPEN' | 'IN_PROGRESS' | 'CLOSED' | 'CANCELLED';
  lineItems: ShopFulfillmentOrderLine[];
  createdAt: number;
  updatedAt: number;
}

export interface ShopFulfillment {
  id: string;
  legacyResourceId: number;
  orderId: string;
  name: string;
  status: 'SUCCESS';
  totalQuantity: number;
  tracking: { company: string | null; number: string | null; url: string | null }[];
  createdAt: number;
  updatedAt: number;
}

export interface ShopRefund {
  id: string;
  legacyResourceId: number;
  orderId: string;
  lines: { lineItemId: string; quantity: number }[];
  amount: string;
  note: string | null;
  createdAt: number;
}

export interface ShopInventoryChange {
  name: string;
  delta: number;
  quantityAfterChange: number;
  inventoryItemId: string;
  locationId: string;
}

export interface ShopAdjustmentGroup {
  id: string;
  reason: string;
  referenceDocumentUri: string | null;
  changes: ShopInventoryChange[];
  createdAt: number;
}

export interface ShopInventoryLevel {
  available: number;
  onHand: number;
  updatedAt: number;
}

export interface ShopState {
  orders: Collection<ShopOrder>;
  customers: Collection<ShopCustomer>;
  products: Collection<ShopProduct>;
  variants: Collection<ShopVariant>;
  fulfillmentOrders: Collection<ShopFulfillmentOrder>;
  fulfillments: Collection<ShopFulfillment>;
  refunds: Collection<ShopRefund>;
  adjustmentGroups: Collection<ShopAdjustmentGroup>;
  locations: Collection<{ id: string; name: string }>;
  /** By `inventoryLevelKey(item, location)`. */
  inventory: Map<string, ShopInventoryLevel>;
  /** The query-cost bucket: points left when last looked at, and when that was. */
  throttle: { available: number; atMs: number };
  /** A fresh global id of `type`, its number the legacy id. */
  nextId(type: string): { id: string; legacyResourceId: number };
}

export const inventoryLevelKey = (inventoryItemId: string, locationId: string): string => `${inventoryItemId} ${locationId}`;

export function legacyIdOf(gid: string): number {
  return Number(gid.slice(gid.lastIndexOf('/') + 1));
}

export function seedShop(nowMs: number, maximumAvailable: number = STANDARD_THROTTLE.maximumAvailable): ShopState {
  let counter = 0;
  const nextId = (type: string) => {
    const legacyResourceId = 6_000_000_000 + ++counter;
    return { id: `gid://shopify/${type}/${legacyResourceId}`, legacyResourceId };
  };
  const state: ShopState = {
    orders: createCollection(),
    customers: createCollection(),
    products: createCollection(),
    variants: createCollection(),
    fulfillmentOrders: createCollection(),
    fulfillments: createCollection(),
    refunds: createCollection(),
    adjustmentGroups: createCollection(),
    locations: createCollection([{ ...SEED_LOCATION }]),
    inventory: new Map(),
    throttle: { available: maximumAvailable, atMs: nowMs },
    nextId,
  };

  SEED_CUSTOMERS.forEach((seed, index) => {
    const at = SEED_EPOCH_MS - (SEED_CUSTOMERS.length - index) * 86_400_000;
    state.customers.insert({
      ...nextId('Customer'),
      firstName: seed.firstName,
      lastName: seed.lastName,
      email: seed.email,
      phone: seed.phone,
      note: null,
      tags: [],
      state: 'ENABLED',
      addresses: [address(seed.firstName, seed.lastName, index)],
      createdAt: at,
      updatedAt: at,
    });
  });

  for (const seed of SEED_PRODUCTS) {
    const product = state.products.insert({
      id: nextId('Product').id,
      title: seed.title,
      handle: seed.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      status: 'ACTIVE',
      vendor: seed.vendor,
      productType: seed.productType,
    });
    for (const variant of seed.variants) {
      const inventoryItemId = nextId('InventoryItem').id;
      state.variants.insert({
        ...nextId('ProductVariant'),
        productId: product.id,
        inventoryItemId,
        sku: variant.sku,
        title: variant.title,
        price: variant.price,
        createdAt: SEED_EPOCH_MS - 30 * 86_400_000,
        updatedAt: SEED_EPOCH_MS - 30 * 86_400_000,
      });
      state.inventory.set(inventoryLevelKey(inventoryItemId, SEED_LOCATION.id), {
        available: variant.available,
        onHand: variant.available,
        updatedAt: SEED_EPOCH_MS - 30 * 86_400_000,
      });
    }
  }

  for (let index = 0; index < SEED_ORDER_COUNT; index++) {
    placeOrder(state, SEED_EPOCH_MS + index * 3_600_000, index);
  }
  return state;
}

/**
 * A paid order with one or two lines and its open fulfillment order, as checkout creates them.
 * `variety` picks the customer and the products, so seeded orders differ from each other; `skus`
 * picks the products instead (each an existing variant's SKU).
 */
export function placeOrder(state: ShopState, atMs: number, variety: number, skus?: readonly string[]): ShopOrder {
  const customers = state.customers.all();
  const variants = state.variants.all();
  const customer = customers[variety % customers.length]!;
  const picked =
    skus === undefined
      ? [variants[variety % variants.length]!, ...(variety % 3 === 0 ? [variants[(variety + 2) % variants.length]!] : [])]
      : skus.map((sku) => {
          const variant = variants.find((candidate) => candidate.sku === sku);
          if (variant === undefined) throw new Error(`the Shopify sandbox sells no variant with SKU ${sku}`);
          return variant;
        });
  const number = FIRST_ORDER_NUMBER + state.orders.size;
  const lineItems: ShopLineItem[] = picked.map((variant, line) => ({
    id: state.nextId('LineItem').id,
    variantId: variant.id,
    sku: variant.sku,
    title: state.products.get(variant.productId)!.title,
    variantTitle: variant.title,
    quantity: 1 + ((variety + line) % 3),
    price: variant.price,
  }));
  const order = state.orders.insert({
    ...state.nextId('Order'),
    number,
    email: customer.email,
    phone: customer.phone,
    customerId: customer.id,
    currencyCode: 'EUR',
    financialStatus: 'PAID',
    cancelledAt: null,
    cancelReason: null,
    note: null,
    tags: [],
    shippingAddress: customer.addresses[0] ?? null,
    lineItems,
    createdAt: atMs,
    updatedAt: atMs,
  });
  state.fulfillmentOrders.insert({
    id: state.nextId('FulfillmentOrder').id,
    orderId: order.id,
    status: 'OPEN',
    lineItems: lineItems.map((item) => ({
      id: state.nextId('FulfillmentOrderLineItem').id,
      lineItemId: item.id,
      totalQuantity: item.quantity,
      remainingQuantity: item.quantity,
    })),
    createdAt: atMs,
    updatedAt: atMs,
  });
  return order;
}

export function orderName(order: ShopOrder): string {
  return `#${order.number}`;
}

export function orderTotal(order: ShopOrder): string {
  return money(order.lineItems.reduce((sum, item) => sum + toCents(item.price) * item.quantity, 0));
}

/** Shopify's Decimal strings: two places, no float drift. */
export function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

export function toCents(amount: string): number {
  return Math.round(Number(amount) * 100);
}

/** What Shopify reports as the order's fulfillment state, from its fulfillment orders. */
export function fulfillmentStatusOf(state: ShopState, order: ShopOrder): 'UNFULFILLED' | 'PARTIALLY_FULFILLED' | 'FULFILLED' {
  const lines = state.fulfillmentOrders.all().filter((fo) => fo.orderId === order.id && fo.status !== 'CANCELLED').flatMap((fo) => fo.lineItems);
  const total = lines.reduce((sum, line) => sum + line.totalQuantity, 0);
  const remaining = lines.reduce((sum, line) => sum + line.remainingQuantity, 0);
  if (total === 0 || remaining === total) return 'UNFULFILLED';
  return remaining === 0 ? 'FULFILLED' : 'PARTIALLY_FULFILLED';
}

function address(firstName: string, lastName: string, index: number): ShopAddress {
  const cities = [
    { city: 'London', zip: 'EC1A 1BB', countryCode: 'GB', provinceCode: null },
    { city: 'Arlington', zip: '22201', countryCode: 'US', provinceCode: 'VA' },
    { city: 'Paris', zip: '75001', countryCode: 'FR', provinceCode: null },
  ];
  const place = cities[index % cities.length]!;
  return { firstName, lastName, address1: `${index + 1} Loom Street`, address2: null, phone: null, company: null, ...place };
}
