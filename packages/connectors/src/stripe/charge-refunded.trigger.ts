import { defineTrigger } from '@weft/sdk';
import { charge } from './stripe.schemas.ts';
import { stripeEvent, stripeWebhook } from './stripe.webhooks.ts';

export const chargeRefunded = defineTrigger({
  id: 'charge-refunded',
  name: 'Charge refunded',
  description: 'The charge.refunded event, on every refund, partial ones included: the Charge with its amount_refunded so far (refunded is true once all of it is).',
  strategy: 'webhook',
  webhook: stripeWebhook('charge.refunded'),
  output: stripeEvent('charge.refunded', charge),
});
