import { defineAction, schema } from '@weft/sdk';
import { customer, idempotencyKey, metadata } from './stripe.schemas.ts';

export const createCustomer = defineAction({
  id: 'create-customer',
  name: 'Create customer',
  description: 'POST /v1/customers. Pass idempotencyKey to make a retried create return the first customer instead of a second one.',
  input: schema.Object({
    email: schema.Optional(schema.String({ maxLength: 512 })),
    name: schema.Optional(schema.String({ maxLength: 256 })),
    description: schema.Optional(schema.String({ maxLength: 5000 })),
    phone: schema.Optional(schema.String({ maxLength: 20 })),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: customer,
  request: ({ idempotencyKey: key, ...fields }) => ({
    method: 'POST',
    path: '/v1/customers',
    bodyEncoding: 'form',
    body: fields,
    ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }),
  }),
});
