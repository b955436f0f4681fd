import type { WebhookSpec } from '@weft/sdk';

/**
 * How a Shopify webhook is verified, identified and told apart: `X-Shopify-Hmac-Sha256` is the
 * base64 HMAC-SHA256 of the raw body under the connection's webhookSecret (no timestamp, so no
 * replay window: the webhook id is what stops a replay); `X-Shopify-Webhook-Id` stays the same
 * when Shopify retries a delivery; `X-Shopify-Topic` names the event, which the body cannot
 * (orders/create and orders/updated send the same order).
 */
export function shopifyWebhook(topic: string): WebhookSpec {
  return {
    signature: { scheme: 'shopify' },
    dedupeId: (headers) => nonEmpty(headers['x-shopify-webhook-id']),
    topic: { header: 'X-Shopify-Topic', values: [topic] },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
