import { defineAction, schema, type Infer } from '@weft/sdk';
import { stripeListPages } from './stripe.requests.ts';
import { listLimit, paymentIntent } from './stripe.schemas.ts';

export const listPaymentIntents = defineAction({
  id: 'list-payment-intents',
  name: 'List payment intents',
  description: 'GET /v1/payment_intents, newest first, every page; with customer, only that customer\'s.',
  input: schema.Object({
    customer: schema.Optional(schema.String({ pattern: '^cus_', maxLength: 5000 })),
    limit: listLimit,
  }),
  output: schema.Object({ paymentIntents: schema.Array(paymentIntent) }),
  request: ({ customer, limit }) => ({ method: 'GET', path: '/v1/payment_intents', query: { customer, limit } }),
  pagination: stripeListPages,
  response: (items) => ({ paymentIntents: items as Infer<typeof paymentIntent>[] }),
});
