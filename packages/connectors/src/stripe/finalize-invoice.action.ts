import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { idempotencyKey, invoice } from './stripe.schemas.ts';

export const finalizeInvoice = defineAction({
  id: 'finalize-invoice',
  name: 'Finalize invoice',
  description:
    'POST /v1/invoices/{id}/finalize: a draft becomes open, gets its number and can no longer change. An invoice with nothing to pay is paid at once.',
  input: schema.Object({
    id: schema.String({ pattern: '^in_', maxLength: 5000 }),
    auto_advance: schema.Optional(schema.Boolean()),
    idempotencyKey,
  }),
  output: invoice,
  request: ({ id, ...fields }) => formPost(objectPath('invoices', id, 'finalize'), fields),
  errors: stripeErrors,
});
