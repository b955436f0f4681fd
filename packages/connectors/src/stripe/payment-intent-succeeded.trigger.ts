import { defineTrigger, schema } from '@weft/sdk';
import { paymentIntent } from './stripe.schemas.ts';

interface StripeEvent {
  id?: unknown;
}

export const paymentIntentSucceeded = defineTrigger({
  id: 'payment-intent-succeeded',
  name: 'Payment intent succeeded',
  description: 'The payment_intent.succeeded event. Stripe retries a delivery for up to three days, always with the same event id.',
  strategy: 'webhook',
  webhook: {
    signature: { scheme: 'stripe' },
    // The event id, not the payment intent's: Stripe can send other events about the same intent.
    dedupeId: (_headers, body) => {
      const { id } = body as StripeEvent;
      return typeof id === 'string' && id.startsWith('evt_') ? id : undefined;
    },
    // Stripe sends every event an endpoint subscribes to; the event names itself in `type`.
    topic: { field: 'type', values: ['payment_intent.succeeded'] },
  },
  output: schema.Object({
    id: schema.String({ pattern: '^evt_' }),
    object: schema.Literal('event'),
    type: schema.Literal('payment_intent.succeeded'),
    api_version: schema.Union([schema.String(), schema.Null()]),
    created: schema.Integer(),
    livemode: schema.Boolean(),
    pending_webhooks: schema.Integer(),
    data: schema.Object({ object: paymentIntent }),
  }),
});
