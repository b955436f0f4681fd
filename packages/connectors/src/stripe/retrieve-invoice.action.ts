import { defineAction, schema } from '@weft/sdk';
import { objectPath } from './stripe.requests.ts';
import { invoice } from './stripe.schemas.ts';

export const retrieveInvoice = defineAction({
  id: 'retrieve-invoice',
  name: 'Retrieve invoice',
  description: 'GET /v1/invoices/{id}, with its first lines embedded. An unknown id is a NotFoundError.',
  input: schema.Object({ id: schema.String({ pattern: '^in_', maxLength: 5000 }) }),
  output: invoice,
  request: ({ id }) => ({ method: 'GET', path: objectPath('invoices', id) }),
});
