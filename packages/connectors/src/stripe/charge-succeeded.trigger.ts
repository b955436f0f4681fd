import { defineTrigger } from '@weft/sdk';
import { charge } from './stripe.schemas.ts';
import { stripeEvent, stripeWebhook } from './stripe.webhooks.ts';

export const chargeSucceeded = defineTrigger({
  id: 'charge-succeeded',
  name: 'Charge succeeded',
  description: 'The charge.succeeded event: a card was charged or, with manual capture, authorized (captured is then false).',
  strategy: 'webhook',
  webhook: stripeWebhook('charge.succeeded'),
  output: stripeEvent('charge.succeeded', charge),
});
