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
});

export const paymentIntentStatus = schema.Union(
  ['canceled', 'processing', 'requires_action', 'requires_capture', 'requires_confirmation', 'requires_payment_method', 'succeeded'].map((status) =>
    schema.Literal(status),
  ),
);

export const paymentIntent = schema.Object({
  id: schema.String({ pattern: '^pi_' }),
  object: schema.Literal('payment_intent'),
  amount: schema.Integer({ description: 'In the smallest currency unit (cents).' }),
  amount_received: schema.Integer(),
  currency: schema.String({ pattern: '^[a-z]{3}$' }),
  status: paymentIntentStatus,
  customer: nullable(schema.String({ pattern: '^cus_' })),
  description: nullable(schema.String()),
  latest_charge: nullable(schema.String({ pattern: '^(ch|py)_' })),
  created: schema.Integer(),
  metadata,
  livemode: schema.Boolean(),
});

export const refundReason = schema.Union([schema.Literal('duplicate'), schema.Literal('fraudulent'), schema.Literal('requested_by_customer')]);

export const refund = schema.Object({
  id: schema.String({ pattern: '^re_' }),
  object: schema.Literal('refund'),
  amount: schema.Integer(),
  currency: schema.String({ pattern: '^[a-z]{3}$' }),
  payment_intent: nullable(schema.String({ pattern: '^pi_' })),
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
