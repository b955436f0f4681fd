import { schema } from '@weft/sdk';

/**
 * The parts of Stripe's objects that flows read, with Stripe's own field names so Stripe's API
 * reference applies as written (components.schemas in Stripe's OpenAPI spec3). Objects allow
 * the fields not listed: Stripe adds fields within an API version.
 */

const nullable = <T extends Parameters<typeof schema.Union>[0][number]>(type: T) => schema.Union([type, schema.Null()]);

export const metadata = schema.Record(schema.String(), schema.String(), {
  description: 'Up to 50 key-value pairs; keys up to 40 characters, values up to 500.',
});

const currency = schema.String({ pattern: '^[a-z]{3}$', description: 'ISO 4217, lower case, as Stripe writes it.' });

/** Stripe's address: every part optional, `country` ISO 3166-1 alpha-2. */
export const address = schema.Object({
  line1: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
  line2: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
  city: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
  state: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
  postal_code: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
  country: schema.Optional(nullable(schema.String({ maxLength: 5000, description: 'Two-letter ISO 3166-1 alpha-2 code.' }))),
});

export const shipping = schema.Object({
  name: schema.String({ maxLength: 5000 }),
  address,
  phone: schema.Optional(nullable(schema.String({ maxLength: 5000 }))),
});

export const customer = schema.Object({
  id: schema.String({ pattern: '^cus_' }),
  object: schema.Literal('customer'),
  created: schema.Integer({ description: 'Seconds since the Unix epoch.' }),
  email: nullable(schema.String()),
  name: nullable(schema.String()),
  description: nullable(schema.String()),
  phone: nullable(schema.String()),
  metadata,
  livemode: schema.Boolean(),
  address: schema.Optional(nullable(address)),
  shipping: schema.Optional(nullable(shipping)),
  currency: schema.Optional(nullable(currency)),
  invoice_settings: schema.Optional(schema.Object({ default_payment_method: nullable(schema.String()) })),
});

export const paymentIntentStatus = schema.Union(
  ['canceled', 'processing', 'requires_action', 'requires_capture', 'requires_confirmation', 'requires_payment_method', 'succeeded'].map((status) =>
    schema.Literal(status),
  ),
);

/** Stripe's error object (api_errors), as an answer's `error` and as `last_payment_error`. */
export const apiError = schema.Object({
  type: schema.String({ description: 'api_error, card_error, idempotency_error or invalid_request_error' }),
  code: schema.Optional(schema.String()),
  decline_code: schema.Optional(schema.String()),
  message: schema.Optional(schema.String()),
  param: schema.Optional(schema.String()),
});

export const paymentIntent = schema.Object({
  id: schema.String({ pattern: '^pi_' }),
  object: schema.Literal('payment_intent'),
  amount: schema.Integer({ description: 'In the smallest currency unit (cents).' }),
  amount_capturable: schema.Integer({ description: 'What a capture can still take; non-zero only in requires_capture.' }),
  amount_received: schema.Integer(),
  currency,
  status: paymentIntentStatus,
  capture_method: schema.String({ description: 'automatic, automatic_async or manual' }),
  customer: nullable(schema.String({ pattern: '^cus_' })),
  description: nullable(schema.String()),
  payment_method: nullable(schema.String()),
  latest_charge: nullable(schema.String({ pattern: '^(ch|py)_' })),
  last_payment_error: nullable(apiError),
  invoice: nullable(schema.String({ pattern: '^in_' })),
  canceled_at: nullable(schema.Integer()),
  cancellation_reason: nullable(schema.String()),
  created: schema.Integer(),
  metadata,
  livemode: schema.Boolean(),
});

export const charge = schema.Object({
  id: schema.String({ pattern: '^(ch|py)_' }),
  object: schema.Literal('charge'),
  amount: schema.Integer({ description: 'In the smallest currency unit (cents).' }),
  amount_captured: schema.Integer(),
  amount_refunded: schema.Integer(),
  captured: schema.Boolean(),
  paid: schema.Boolean(),
  refunded: schema.Boolean(),
  status: schema.Union([schema.Literal('succeeded'), schema.Literal('pending'), schema.Literal('failed')]),
  currency,
  customer: nullable(schema.String({ pattern: '^cus_' })),
  description: nullable(schema.String()),
  invoice: nullable(schema.String({ pattern: '^in_' })),
  payment_intent: nullable(schema.String({ pattern: '^pi_' })),
  payment_method: nullable(schema.String()),
  payment_method_details: nullable(schema.Object({ type: schema.String() })),
  failure_code: nullable(schema.String()),
  failure_message: nullable(schema.String()),
  created: schema.Integer(),
  metadata,
  livemode: schema.Boolean(),
});

const period = schema.Object({ start: schema.Integer(), end: schema.Integer() });

/** The parts of a Price an invoice line carries (one-time prices made from price_data). */
export const price = schema.Object({
  id: schema.String({ pattern: '^price_' }),
  object: schema.Literal('price'),
  currency,
  product: schema.String(),
  unit_amount: nullable(schema.Integer()),
  unit_amount_decimal: nullable(schema.String()),
});

export const invoiceItem = schema.Object({
  id: schema.String({ pattern: '^ii_' }),
  object: schema.Literal('invoiceitem'),
  amount: schema.Integer({ description: 'unit_amount × quantity, in the smallest currency unit.' }),
  currency,
  customer: schema.String({ pattern: '^cus_' }),
  date: schema.Integer(),
  description: nullable(schema.String()),
  invoice: nullable(schema.String({ pattern: '^in_' })),
  period,
  price: nullable(price),
  quantity: schema.Integer(),
  unit_amount: nullable(schema.Integer()),
  metadata: nullable(metadata),
  livemode: schema.Boolean(),
});

export const invoiceLine = schema.Object({
  id: schema.String({ pattern: '^il_' }),
  object: schema.Literal('line_item'),
  amount: schema.Integer(),
  currency,
  description: nullable(schema.String()),
  invoice_item: schema.Optional(schema.String({ pattern: '^ii_' })),
  period,
  price: nullable(price),
  quantity: nullable(schema.Integer()),
  type: schema.String({ description: 'invoiceitem or subscription' }),
  unit_amount_excluding_tax: schema.Optional(nullable(schema.String())),
  metadata,
});

export const invoiceStatus = schema.Union(['draft', 'open', 'paid', 'uncollectible', 'void'].map((status) => schema.Literal(status)));

export const invoice = schema.Object({
  id: schema.String({ pattern: '^in_' }),
  object: schema.Literal('invoice'),
  status: nullable(invoiceStatus),
  number: nullable(schema.String({ description: 'Assigned when the invoice is finalized.' })),
  customer: nullable(schema.String({ pattern: '^cus_' })),
  customer_email: nullable(schema.String()),
  customer_name: nullable(schema.String()),
  collection_method: schema.Union([schema.Literal('charge_automatically'), schema.Literal('send_invoice')]),
  auto_advance: schema.Optional(schema.Boolean()),
  currency,
  subtotal: schema.Integer(),
  tax: nullable(schema.Integer()),
  total: schema.Integer(),
  amount_due: schema.Integer(),
  amount_paid: schema.Integer(),
  amount_remaining: schema.Integer(),
  attempt_count: schema.Integer(),
  attempted: schema.Boolean(),
  paid: schema.Boolean(),
  paid_out_of_band: schema.Boolean(),
  charge: nullable(schema.String()),
  payment_intent: nullable(schema.String({ pattern: '^pi_' })),
  description: nullable(schema.String()),
  due_date: nullable(schema.Integer()),
  effective_at: nullable(schema.Integer()),
  hosted_invoice_url: nullable(schema.String()),
  lines: schema.Object({
    object: schema.Literal('list'),
    data: schema.Array(invoiceLine),
    has_more: schema.Boolean({ description: 'True when the invoice has more lines than the embedded page; read GET /v1/invoices/{id}/lines.' }),
    url: schema.String(),
  }),
  status_transitions: schema.Object({
    finalized_at: nullable(schema.Integer()),
    marked_uncollectible_at: nullable(schema.Integer()),
    paid_at: nullable(schema.Integer()),
    voided_at: nullable(schema.Integer()),
  }),
  created: schema.Integer(),
  metadata: nullable(metadata),
  livemode: schema.Boolean(),
});

/** Page size of a list request; the action still reads every page. */
export const listLimit = schema.Optional(schema.Integer({ minimum: 1, maximum: 100, default: 10, description: 'Page size.' }));

export const refundReason = schema.Union([schema.Literal('duplicate'), schema.Literal('fraudulent'), schema.Literal('requested_by_customer')]);

export const refund = schema.Object({
  id: schema.String({ pattern: '^re_' }),
  object: schema.Literal('refund'),
  amount: schema.Integer(),
  currency: schema.String({ pattern: '^[a-z]{3}$' }),
  payment_intent: nullable(schema.String({ pattern: '^pi_' })),
  charge: schema.Optional(nullable(schema.String({ pattern: '^(ch|py)_' }))),
  // Stripe's documented statuses; typed as a string because Stripe adds new ones.
  status: nullable(schema.String({ description: 'pending, requires_action, succeeded, failed or canceled' })),
  reason: nullable(schema.Union([refundReason, schema.Literal('expired_uncaptured_charge')])),
  created: schema.Integer(),
  metadata: nullable(metadata),
});

/** Lets a caller retry a create safely: Stripe answers a repeat with the first response. */
export const idempotencyKey = schema.Optional(
  schema.String({ minLength: 1, maxLength: 255, description: 'Sent as the Idempotency-Key header (not a Stripe parameter).' }),
);
