import { defineAction, schema } from '@weft/sdk';
import { objectPath } from './stripe.requests.ts';
import { customer } from './stripe.schemas.ts';

export const retrieveCustomer = defineAction({
  id: 'retrieve-customer',
  name: 'Retrieve customer',
  description: 'GET /v1/customers/{id}. An unknown id is a NotFoundError.',
  input: schema.Object({ id: schema.String({ pattern: '^cus_', maxLength: 5000 }) }),
  output: customer,
  request: ({ id }) => ({ method: 'GET', path: objectPath('customers', id) }),
});
