/**
 * Facts about Shopify's Admin API that the sandbox reproduces, taken from the Admin GraphQL
 * schema (2025-01), Shopify's rate-limit and webhook documentation, plus the seed data the
 * sandbox starts with. Transport errors, THROTTLED, the cost limit and the customer userErrors
 * use Shopify's wording; the schema gives the inventory and fulfillment userErrors' codes but
 * not their text, so those messages are ours. Everything here is test data: no real token,
 * secret or shop.
 */

export const SHOPIFY_API_VERSION = '2025-01';
export const GRAPHQL_PATH = `/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;

/** What `weft sandbox shopify` prints and the tests use; the `shpat_` prefix is Shopify's, the rest is made up. */
export const SANDBOX_ACCESS_TOKEN = 'shpat_weftsandbox0000000000000000000';
export const SANDBOX_WEBHOOK_SECRET = 'weft-sandbox-shopify-webhook-secret';
export const SANDBOX_SHOP_DOMAIN = 'weft-sandbox.myshopify.com';

/** The query-cost bucket of a standard plan: 1000 points, refilled at 50 a second. */
export const STANDARD_THROTTLE = { maximumAvailable: 1000, restoreRate: 50 } as const;
/** A single query may not be planned to cost more than this, whatever the bucket holds. */
export const SINGLE_QUERY_MAX_COST = 1000;
/** Shopify's cap on `first`/`last` of a connection. */
export const MAX_PAGE_SIZE = 250;
/** Every mutation costs this much, plus what its selection asks for. */
export const MUTATION_COST = 10;

export const SHOPIFY_WEBHOOK_TOPICS = ['orders/create', 'orders/updated', 'orders/cancelled', 'refunds/create'] as const;
export type ShopifyWebhookTopic = (typeof SHOPIFY_WEBHOOK_TOPICS)[number];

/** `reason` values inventorySetQuantities accepts (Shopify's inventory state-change reasons). */
export const INVENTORY_REASONS = [
  'correction', 'cycle_count_available', 'damaged', 'movement_created', 'movement_updated', 'movement_received',
  'movement_canceled', 'other', 'promotion', 'quality_control', 'received', 'reservation_created',
  'reservation_deleted', 'reservation_updated', 'restock', 'safety_stock', 'shrinkage',
] as const;

/** The quantity names inventorySetQuantities may set. */
export const SETTABLE_QUANTITY_NAMES = ['available', 'on_hand'] as const;

export const ERROR_MESSAGES = {
  invalidToken: '[API] Invalid API key or access token (unrecognized login or wrong password)',
  throttled: 'Throttled',
  notFound: 'Not Found',
  internal: 'Internal error. Looks like something went wrong on our end.',
  unavailable: 'Unavailable Shop',
  tooManyRequests: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
  undefinedField: (field: string, type: string) => `Field '${field}' doesn't exist on type '${type}'`,
  maxCost: (cost: number) => `Query cost is ${cost}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).

See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the
cost of a query is calculated.

To query larger amounts of data with fewer limits, bulk operations should be used instead.
See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.
`,
  firstOrLast: 'you must provide one of first or last',
  pageTooLarge: (size: number) => `The requested page size ${size} exceeds the maximum of ${MAX_PAGE_SIZE}.`,
  emailTaken: 'Email has already been taken',
  emailInvalid: 'Email is invalid',
  customerMissing: 'Customer does not exist',
  fulfillmentOrderMissing: 'Fulfillment order does not exist.',
  unfulfillable: (id: string, status: string) => `Fulfillment order ${id} has an unfulfillable status= ${status.toLowerCase()}.`,
  quantityTooHigh: 'Invalid fulfillment order line item quantity requested.',
  invalidName: "The quantity name must be either 'available' or 'on_hand'.",
  invalidReason: 'The specified reason is invalid.',
  invalidItem: 'The specified inventory item could not be found.',
  invalidLocation: 'The specified location could not be found.',
  notStocked: 'The specified inventory item is not stocked at the location.',
  compareRequired: 'The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.',
  compareStale: 'The compareQuantity value does not match the current quantity.',
} as const;

/** 2026-01-01T00:00:00Z: seeded orders are created an hour apart from here. */
export const SEED_EPOCH_MS = Date.UTC(2026, 0, 1);

/** 30 orders, so a list with 10 a page spans three pages. */
export const SEED_ORDER_COUNT = 30;
export const FIRST_ORDER_NUMBER = 1001;

export const SEED_LOCATION = { id: 'gid://shopify/Location/70000000001', name: 'Main warehouse' } as const;

export const SEED_CUSTOMERS = [
  { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+442071234567' },
  { firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com', phone: null },
  { firstName: 'Alan', lastName: 'Turing', email: 'alan@example.com', phone: null },
  { firstName: 'Barbara', lastName: 'Liskov', email: 'barbara@example.com', phone: '+16175550100' },
  { firstName: 'Edsger', lastName: 'Dijkstra', email: 'edsger@example.com', phone: null },
] as const;

/** Products and their variants; inventory starts at `available` in the one location. */
export const SEED_PRODUCTS = [
  {
    title: 'Weft T-shirt',
    vendor: 'Weft',
    productType: 'Apparel',
    variants: [
      { title: 'S', sku: 'WEFT-TEE-S', price: '25.00', available: 40 },
      { title: 'M', sku: 'WEFT-TEE-M', price: '25.00', available: 55 },
      { title: 'L', sku: 'WEFT-TEE-L', price: '25.00', available: 12 },
    ],
  },
  {
    title: 'Weft mug',
    vendor: 'Weft',
    productType: 'Homeware',
    variants: [{ title: 'Default Title', sku: 'WEFT-MUG', price: '12.50', available: 100 }],
  },
  {
    title: 'Weft cap',
    vendor: 'Weft',
    productType: 'Apparel',
    variants: [
      { title: 'Red', sku: 'WEFT-CAP-RED', price: '18.00', available: 7 },
      { title: 'Blue', sku: 'WEFT-CAP-BLUE', price: '18.00', available: 0 },
    ],
  },
] as const;
