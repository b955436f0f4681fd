import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { customerFields } from './create-customer.action.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { customer, idempotencyKey } from './stripe.schemas.ts';

export const updateCustomer = defineAction({
  id: 'update-customer',
  name: 'Update customer',
  description:
    'POST /v1/customers/{id}: only the fields given change. Metadata merges; a key set to "" is removed. default_payment_method is the card invoices are paid with.',
  input: schema.Object({
    id: schema.String({ pattern: '^cus_', maxLength: 5000 }),
    ...customerFields,
    invoice_settings: schema.Optional(schema.Object({ default_payment_method: schema.Optional(schema.String({ maxLength: 5000 })) })),
    idempotencyKey,
  }),
  output: customer,
  request: ({ id, ...fields }) => formPost(objectPath('customers', id), fields),
  errors: stripeErrors,
});
