import { defineTrigger } from '@weft/sdk';
import { refundWebhook } from './shopify.schemas.ts';
import { shopifyWebhook } from './webhook-spec.ts';

export const refundsCreate = defineTrigger({
  id: 'refunds-create',
  name: 'Refund created',
  description: 'The refunds/create webhook: a refund of an order (order_id), its refunded lines and the refund transactions.',
  strategy: 'webhook',
  webhook: shopifyWebhook('refunds/create'),
  output: refundWebhook,
});
