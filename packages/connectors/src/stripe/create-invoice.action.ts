import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost } from './stripe.requests.ts';
import { idempotencyKey, invoice, metadata } from './stripe.schemas.ts';

export const createInvoice = defineAction({
  id: 'create-invoice',
  name: 'Create invoice',
  description:
    'POST /v1/invoices: a draft for the customer. Add lines with create-invoice-item (invoice=<id>), then finalize-invoice. Pending invoice items are left out unless pending_invoice_items_behavior=include.',
  input: schema.Object({
    customer: schema.String({ pattern: '^cus_', maxLength: 5000 }),
    collection_method: schema.Optional(
      schema.Union([schema.Literal('charge_automatically'), schema.Literal('send_invoice')], {
        description: 'charge_automatically (the default) charges the customer\'s default payment method; send_invoice emails the invoice.',
      }),
    ),
    days_until_due: schema.Optional(schema.Integer({ minimum: 0, description: 'Only with collection_method=send_invoice.' })),
    auto_advance: schema.Optional(schema.Boolean({ description: 'Let Stripe finalize and collect it on its own schedule.' })),
    default_payment_method: schema.Optional(schema.String({ maxLength: 5000, description: 'The card pay-invoice charges when given none; default the customer\'s.' })),
    currency: schema.Optional(schema.String({ pattern: '^[a-z]{3}$' })),
    description: schema.Optional(schema.String({ maxLength: 1500 })),
    pending_invoice_items_behavior: schema.Optional(schema.Union([schema.Literal('exclude'), schema.Literal('include')])),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: invoice,
  request: (input) => formPost('/v1/invoices', input),
  errors: stripeErrors,
  xref: { entity: 'invoice', id: (created) => created.id },
});
