import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost } from './stripe.requests.ts';
import { idempotencyKey, metadata, refund, refundReason } from './stripe.schemas.ts';

export const createRefund = defineAction({
  id: 'create-refund',
  name: 'Create refund',
  description: 'POST /v1/refunds for a succeeded payment intent; without amount, refunds what is left of it.',
  input: schema.Object({
    payment_intent: schema.String({ pattern: '^pi_', maxLength: 5000 }),
    amount: schema.Optional(schema.Integer({ minimum: 1, description: 'In the smallest currency unit (cents).' })),
    reason: schema.Optional(refundReason),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: refund,
  request: (input) => formPost('/v1/refunds', input),
  errors: stripeErrors,
  xref: { entity: 'refund', id: (created) => created.id },
});
