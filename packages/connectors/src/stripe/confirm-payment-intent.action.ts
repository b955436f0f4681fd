import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost, objectPath } from './stripe.requests.ts';
import { idempotencyKey, paymentIntent } from './stripe.schemas.ts';

export const confirmPaymentIntent = defineAction({
  id: 'confirm-payment-intent',
  name: 'Confirm payment intent',
  description:
    'POST /v1/payment_intents/{id}/confirm: charges the payment method given here or already attached. A declined card is a permanent ERR_STRIPE_CARD_DECLINED and leaves the intent in requires_payment_method.',
  input: schema.Object({
    id: schema.String({ pattern: '^pi_', maxLength: 5000 }),
    payment_method: schema.Optional(schema.String({ maxLength: 5000 })),
    idempotencyKey,
  }),
  output: paymentIntent,
  request: ({ id, ...fields }) => formPost(objectPath('payment_intents', id, 'confirm'), fields),
  errors: stripeErrors,
});
