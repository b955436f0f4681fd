import { defineAction, schema, type Infer } from '@weft/sdk';
import { stripeListPages } from './stripe.requests.ts';
import { customer, listLimit } from './stripe.schemas.ts';

export const listCustomers = defineAction({
  id: 'list-customers',
  name: 'List customers',
  description: 'GET /v1/customers, newest first, every page; with email, the customers that have exactly that email (the way to find one by email).',
  input: schema.Object({
    email: schema.Optional(schema.String({ maxLength: 512, description: 'Only customers with exactly this email (case-sensitive).' })),
    limit: listLimit,
  }),
  output: schema.Object({ customers: schema.Array(customer) }),
  request: ({ email, limit }) => ({ method: 'GET', path: '/v1/customers', query: { email, limit } }),
  pagination: stripeListPages,
  // With pagination, raw is every page's items in one array.
  response: (items) => ({ customers: items as Infer<typeof customer>[] }),
});
