import { defineAction, schema } from '@weft/sdk';
import { objectPath } from './stripe.requests.ts';
import { paymentIntent } from './stripe.schemas.ts';

export const retrievePaymentIntent = defineAction({
  id: 'retrieve-payment-intent',
  name: 'Retrieve payment intent',
  description: 'GET /v1/payment_intents/{id}. An unknown id is a NotFoundError.',
  input: schema.Object({ id: schema.String({ pattern: '^pi_', maxLength: 5000 }) }),
  output: paymentIntent,
  request: ({ id }) => ({ method: 'GET', path: objectPath('payment_intents', id) }),
});
