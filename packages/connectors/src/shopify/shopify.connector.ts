import { apiKey, defineConnector, schema } from '@weft/sdk';
import { createCustomer } from './create-customer.action.ts';
import { createFulfillment } from './create-fulfillment.action.ts';
import { getCustomer } from './get-customer.action.ts';
import { getFulfillmentOrders } from './get-fulfillment-orders.action.ts';
import { getOrder } from './get-order.action.ts';
import { listOrders } from './list-orders.action.ts';
import { listVariantsBySku } from './list-variants-by-sku.action.ts';
import { ordersCancelled } from './orders-cancelled.trigger.ts';
import { ordersCreate } from './orders-create.trigger.ts';
import { ordersUpdated } from './orders-updated.trigger.ts';
import { refundsCreate } from './refunds-create.trigger.ts';
import { setInventoryQuantities } from './set-inventory-quantities.action.ts';
import { shopifyMappings } from './shopify.canonical.ts';
import { updateCustomer } from './update-customer.action.ts';

export const shopify = defineConnector({
  id: 'shopify',
  name: 'Shopify',
  description:
    'Admin GraphQL API 2025-01: orders, customers, variants by SKU, inventory quantities, fulfillments with tracking; orders/create, orders/updated, orders/cancelled and refunds/create webhooks. Shopify throttles by query cost; the engine paces calls by the cost bucket each response reports.',
  baseUrl: (config) => (typeof config.baseUrl === 'string' ? config.baseUrl : `https://${typeof config.shop === 'string' ? config.shop : '{shop}'}.myshopify.com`),
  config: schema.Object({
    shop: schema.String({ pattern: '^[a-z0-9][a-z0-9-]*$', description: 'The shop\'s subdomain: "acme" for acme.myshopify.com.' }),
    baseUrl: schema.Optional(
      schema.String({ pattern: '^https?://', description: 'Replaces https://{shop}.myshopify.com. Point it at `weft sandbox shopify` to try flows offline.' }),
    ),
  }),
  // A custom app's Admin API access token (shpat_…), sent as X-Shopify-Access-Token.
  auth: [apiKey({ in: 'header', name: 'X-Shopify-Access-Token' })],
  // No declared limit: Shopify meters GraphQL by query cost (a bucket of 1000 points refilled at
  // 50 a second on standard plans, more on Plus), which a requests-per-second limit cannot
  // express. Every response reports the bucket in extensions.cost.throttleStatus; the engine's
  // limiter learns it from there and spends each query's cost from the shared budget, and a
  // THROTTLED answer waits exactly until enough points are restored.
  actions: [getOrder, listOrders, getCustomer, createCustomer, updateCustomer, listVariantsBySku, setInventoryQuantities, getFulfillmentOrders, createFulfillment],
  // One page of orders proves the token and its read_orders scope, and changes nothing.
  testAction: 'list-orders',
  triggers: [ordersCreate, ordersUpdated, ordersCancelled, refundsCreate],
  mappings: shopifyMappings,
});
