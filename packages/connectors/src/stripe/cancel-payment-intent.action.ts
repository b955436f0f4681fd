import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { idempotencyKey, paymentIntent } from './stripe.schemas.ts';

export const cancelPaymentIntent = defineAction({
  id: 'cancel-payment-intent',
  name: 'Cancel payment intent',
  description:
    'POST /v1/payment_intents/{id}/cancel: before it succeeds, or to release an uncaptured authorization. A succeeded intent cannot be canceled; refund it instead.',
  input: schema.Object({
    id: schema.String({ pattern: '^pi_', maxLength: 5000 }),
    cancellation_reason: schema.Optional(
      schema.Union(['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'].map((reason) => schema.Literal(reason))),
    ),
    idempotencyKey,
  }),
  output: paymentIntent,
  request: ({ id, ...fields }) => formPost(objectPath('payment_intents', id, 'cancel'), fields),
  errors: stripeErrors,
});
