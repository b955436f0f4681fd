import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost } from './stripe.requests.ts';
import { idempotencyKey, invoiceItem, metadata } from './stripe.schemas.ts';

export const createInvoiceItem = defineAction({
  id: 'create-invoice-item',
  name: 'Create invoice item',
  description:
    'POST /v1/invoiceitems: a line for a draft invoice (invoice=<id>), or a pending item for the customer\'s next invoice. Give amount + currency, or price_data (+ quantity).',
  input: schema.Object({
    customer: schema.String({ pattern: '^cus_', maxLength: 5000 }),
    invoice: schema.Optional(schema.String({ pattern: '^in_', maxLength: 5000 })),
    amount: schema.Optional(schema.Integer({ description: 'The line total in the smallest currency unit; negative for a credit.' })),
    currency: schema.Optional(schema.String({ pattern: '^[a-z]{3}$' })),
    price_data: schema.Optional(
      schema.Object({
        currency: schema.String({ pattern: '^[a-z]{3}$' }),
        product: schema.String({ maxLength: 5000, description: 'prod_… id of the product sold.' }),
        unit_amount: schema.Integer({ minimum: 0, description: 'In the smallest currency unit.' }),
      }),
    ),
    quantity: schema.Optional(schema.Integer({ minimum: 1, description: 'With price_data; default 1.' })),
    description: schema.Optional(schema.String({ maxLength: 5000 })),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: invoiceItem,
  request: (input) => formPost('/v1/invoiceitems', input),
  errors: stripeErrors,
});
