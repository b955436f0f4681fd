import { defineAction, schema } from '@weft/sdk';
import { objectPath } from './stripe.requests.ts';
import { charge } from './stripe.schemas.ts';

export const retrieveCharge = defineAction({
  id: 'retrieve-charge',
  name: 'Retrieve charge',
  description: 'GET /v1/charges/{id}: one attempt to move money, e.g. a payment intent\'s latest_charge. An unknown id is a NotFoundError.',
  input: schema.Object({ id: schema.String({ pattern: '^(ch|py)_', maxLength: 5000 }) }),
  output: charge,
  request: ({ id }) => ({ method: 'GET', path: objectPath('charges', id) }),
});
