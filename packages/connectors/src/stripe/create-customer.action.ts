import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost } from './stripe.requests.ts';
import { address, customer, idempotencyKey, metadata, shipping } from './stripe.schemas.ts';

/** The writable customer fields create and update share. */
export const customerFields = {
  email: schema.Optional(schema.String({ maxLength: 512 })),
  name: schema.Optional(schema.String({ maxLength: 256 })),
  description: schema.Optional(schema.String({ maxLength: 5000 })),
  phone: schema.Optional(schema.String({ maxLength: 20 })),
  address: schema.Optional(address),
  shipping: schema.Optional(shipping),
  metadata: schema.Optional(metadata),
};

export const createCustomer = defineAction({
  id: 'create-customer',
  name: 'Create customer',
  description: 'POST /v1/customers. Pass idempotencyKey to make a retried create return the first customer instead of a second one.',
  input: schema.Object({ ...customerFields, idempotencyKey }),
  output: customer,
  request: (input) => formPost('/v1/customers', input),
  errors: stripeErrors,
  xref: { entity: 'customer', id: (created) => created.id },
});
