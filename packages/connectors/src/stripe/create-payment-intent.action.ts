import { defineAction, schema } from '@weft/sdk';
import { stripeErrors } from './stripe.errors.ts';
import { formPost } from './stripe.requests.ts';
import { idempotencyKey, metadata, paymentIntent } from './stripe.schemas.ts';

export const createPaymentIntent = defineAction({
  id: 'create-payment-intent',
  name: 'Create payment intent',
  description:
    'POST /v1/payment_intents. With payment_method and confirm=true it charges at once: the output is succeeded (or requires_capture with capture_method=manual), and a declined card is a permanent ERR_STRIPE_CARD_DECLINED.',
  input: schema.Object({
    amount: schema.Integer({ minimum: 1, description: 'In the smallest currency unit: cents for USD, yen for JPY, fils for KWD.' }),
    currency: schema.String({ pattern: '^[a-z]{3}$', description: 'ISO 4217, lower case.' }),
    customer: schema.Optional(schema.String({ pattern: '^cus_', maxLength: 5000 })),
    payment_method: schema.Optional(schema.String({ maxLength: 5000, description: 'pm_…; in test mode e.g. pm_card_visa.' })),
    confirm: schema.Optional(schema.Boolean({ description: 'Confirm (charge) in the same request. Default false.' })),
    capture_method: schema.Optional(
      schema.Union([schema.Literal('automatic'), schema.Literal('automatic_async'), schema.Literal('manual')], {
        description: 'manual only authorizes; capture-payment-intent takes the money later.',
      }),
    ),
    description: schema.Optional(schema.String({ maxLength: 1000 })),
    receipt_email: schema.Optional(schema.String({ maxLength: 5000 })),
    metadata: schema.Optional(metadata),
    idempotencyKey,
  }),
  output: paymentIntent,
  request: (input) => formPost('/v1/payment_intents', input),
  errors: stripeErrors,
  xref: { entity: 'payment', id: (created) => created.id },
});
