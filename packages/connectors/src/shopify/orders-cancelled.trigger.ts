import { defineTrigger } from '@weft/sdk';
import { orderWebhook } from './shopify.schemas.ts';
import { shopifyWebhook } from './webhook-spec.ts';

export const ordersCancelled = defineTrigger({
  id: 'orders-cancelled',
  name: 'Order cancelled',
  description: 'The orders/cancelled webhook: the order with cancelled_at and cancel_reason set.',
  strategy: 'webhook',
  webhook: shopifyWebhook('orders/cancelled'),
  output: orderWebhook('always'),
});
