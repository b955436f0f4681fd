import { defineTrigger } from '@weft/sdk';
import { invoice } from './stripe.schemas.ts';
import { stripeEvent, stripeWebhook } from './stripe.webhooks.ts';

export const invoicePaid = defineTrigger({
  id: 'invoice-paid',
  name: 'Invoice paid',
  description: 'The invoice.paid event: paid by a charge, out of band, or at finalization when nothing was due.',
  strategy: 'webhook',
  webhook: stripeWebhook('invoice.paid'),
  output: stripeEvent('invoice.paid', invoice),
});
