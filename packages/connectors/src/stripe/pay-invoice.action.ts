import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { idempotencyKey, invoice } from './stripe.schemas.ts';

export const payInvoice = defineAction({
  id: 'pay-invoice',
  name: 'Pay invoice',
  description:
    'POST /v1/invoices/{id}/pay for an open invoice: charges payment_method, or the customer\'s default one; paid_out_of_band=true records a payment made outside Stripe. A declined card is a permanent ERR_STRIPE_CARD_DECLINED.',
  input: schema.Object({
    id: schema.String({ pattern: '^in_', maxLength: 5000 }),
    payment_method: schema.Optional(schema.String({ maxLength: 5000 })),
    paid_out_of_band: schema.Optional(schema.Boolean()),
    idempotencyKey,
  }),
  output: invoice,
  request: ({ id, ...fields }) => formPost(objectPath('invoices', id, 'pay'), fields),
  errors: stripeErrors,
});
