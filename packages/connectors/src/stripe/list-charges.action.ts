import { defineAction, schema, type Infer } from '@weft/sdk';
import { stripeListPages } from './stripe.requests.ts';
import { charge, listLimit } from './stripe.schemas.ts';

export const listCharges = defineAction({
  id: 'list-charges',
  name: 'List charges',
  description: 'GET /v1/charges, newest first, every page; filtered by payment intent (its attempts, failed ones included) or by customer.',
  input: schema.Object({
    payment_intent: schema.Optional(schema.String({ pattern: '^pi_', maxLength: 5000 })),
    customer: schema.Optional(schema.String({ pattern: '^cus_', maxLength: 5000 })),
    limit: listLimit,
  }),
  output: schema.Object({ charges: schema.Array(charge) }),
  request: ({ payment_intent: paymentIntent, customer, limit }) => ({
    method: 'GET',
    path: '/v1/charges',
    query: { payment_intent: paymentIntent, customer, limit },
  }),
  pagination: stripeListPages,
  response: (items) => ({ charges: items as Infer<typeof charge>[] }),
});
