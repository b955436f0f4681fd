import { defineTrigger } from '@weft/sdk';
import { orderWebhook } from './shopify.schemas.ts';
import { shopifyWebhook } from './webhook-spec.ts';

export const ordersUpdated = defineTrigger({
  id: 'orders-updated',
  name: 'Order updated',
  description:
    'The orders/updated webhook: the whole order after any change (also after fulfillments, refunds and cancellation). Deliveries can arrive out of order; compare updated_at before overwriting newer data.',
  strategy: 'webhook',
  webhook: shopifyWebhook('orders/updated'),
  output: orderWebhook('either'),
});
