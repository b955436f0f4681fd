import { defineAction, schema, type Infer } from '@weft/sdk';
import { stripeListPages } from './stripe.requests.ts';
import { invoice, invoiceStatus, listLimit } from './stripe.schemas.ts';

export const listInvoices = defineAction({
  id: 'list-invoices',
  name: 'List invoices',
  description: 'GET /v1/invoices, newest first, every page; filtered by customer, status or collection method.',
  input: schema.Object({
    customer: schema.Optional(schema.String({ pattern: '^cus_', maxLength: 5000 })),
    status: schema.Optional(invoiceStatus),
    collection_method: schema.Optional(schema.Union([schema.Literal('charge_automatically'), schema.Literal('send_invoice')])),
    limit: listLimit,
  }),
  output: schema.Object({ invoices: schema.Array(invoice) }),
  request: ({ customer, status, collection_method: collectionMethod, limit }) => ({
    method: 'GET',
    path: '/v1/invoices',
    query: { customer, status, collection_method: collectionMethod, limit },
  }),
  pagination: stripeListPages,
  response: (items) => ({ invoices: items as Infer<typeof invoice>[] }),
});
