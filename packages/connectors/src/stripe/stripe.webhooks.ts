import { schema, type TSchema, type WebhookSpec } from '@weft/sdk';

interface StripeEventBody {
  id?: unknown;
}

/**
 * How every Stripe webhook trigger receives its event: Stripe-Signature verified the Stripe way,
 * deduplicated by the event id (Stripe retries a delivery for up to three days, always with the
 * same id), and run only for its own `type`, since Stripe posts every subscribed event to one endpoint.
 */
export function stripeWebhook(type: string): WebhookSpec {
  return {
    signature: { scheme: 'stripe' },
    // The event id, not the object's: Stripe sends several events about the same object.
    dedupeId: (_headers, body) => {
      const { id } = body as StripeEventBody;
      return typeof id === 'string' && id.startsWith('evt_') ? id : undefined;
    },
    topic: { field: 'type', values: [type] },
  };
}

/** The event envelope, with the object it is about in data.object. */
export function stripeEvent<T extends TSchema>(type: string, object: T) {
  return schema.Object({
    id: schema.String({ pattern: '^evt_' }),
    object: schema.Literal('event'),
    type: schema.Literal(type),
    api_version: schema.Union([schema.String(), schema.Null()]),
    created: schema.Integer(),
    livemode: schema.Boolean(),
    pending_webhooks: schema.Integer(),
    data: schema.Object({ object }),
  });
}
