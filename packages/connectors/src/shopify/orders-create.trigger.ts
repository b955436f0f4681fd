import { defineTrigger } from '@weft/sdk';
import { orderWebhook } from './shopify.schemas.ts';
import { shopifyWebhook } from './webhook-spec.ts';

export const ordersCreate = defineTrigger({
  id: 'orders-create',
  name: 'Order created',
  description: 'The orders/create webhook: a new order, as its REST resource. Shopify retries a failed delivery for 48 hours with the same X-Shopify-Webhook-Id.',
  strategy: 'webhook',
  webhook: shopifyWebhook('orders/create'),
  // A new order is never cancelled yet.
  output: orderWebhook('never'),
});
