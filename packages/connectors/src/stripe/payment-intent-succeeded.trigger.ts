import { defineTrigger } from '@weft/sdk';
import { paymentIntent } from './stripe.schemas.ts';
import { stripeEvent, stripeWebhook } from './stripe.webhooks.ts';

export const paymentIntentSucceeded = defineTrigger({
  id: 'payment-intent-succeeded',
  name: 'Payment intent succeeded',
  description: 'The payment_intent.succeeded event. Stripe retries a delivery for up to three days, always with the same event id.',
  strategy: 'webhook',
  webhook: stripeWebhook('payment_intent.succeeded'),
  output: stripeEvent('payment_intent.succeeded', paymentIntent),
});
