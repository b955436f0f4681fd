import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { idempotencyKey, metadata, paymentIntent } from './stripe.schemas.ts';

export const capturePaymentIntent = defineAction({
  id: 'capture-payment-intent',
  name: 'Capture payment intent',
  description:
    'POST /v1/payment_intents/{id}/capture for an intent in requires_capture (capture_method=manual). Without amount_to_capture, takes all of it; the rest of a partial capture is released.',
  input: schema.Object({
    id: schema.String({ pattern: '^pi_', maxLength: 5000 }),
    amount_to_capture: schema.Optional(schema.Integer({ minimum: 1, description: 'In the smallest currency unit; at most amount_capturable.' })),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: paymentIntent,
  request: ({ id, ...fields }) => formPost(objectPath('payment_intents', id, 'capture'), fields),
  errors: stripeErrors,
});
