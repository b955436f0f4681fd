import { assertText } from './declaration.ts';

/**
 * Which events a webhook trigger runs for. Vendors send every event an endpoint subscribes to
 * to that one endpoint, and several events share a body shape (Shopify's orders/create and
 * orders/updated), so the body alone cannot tell them apart: the event's name can.
 * Exactly one of `header` or `field` says where a delivery names its event.
 */
export interface WebhookTopic {
  /** A request header naming the event, e.g. `X-Shopify-Topic` (any case). */
  header?: string;
  /** A top-level string field of the JSON body naming the event, e.g. Stripe's `type`. */
  field?: string;
  /** The events the trigger runs for. A delivery naming another, or none, is acknowledged and not run. */
  values: readonly string[];
}

/** The event a delivery names where `topic` says to look; undefined when it names none. */
export function deliveryTopic(topic: WebhookTopic, headers: Record<string, string>, body: unknown): string | undefined {
  const named = topic.header !== undefined ? headerValue(headers, topic.header) : fieldValue(body, topic.field!);
  return named === undefined || named.trim() === '' ? undefined : named.trim();
}

export function checkWebhookTopic(where: string, topic: WebhookTopic): void {
  if (typeof topic !== 'object' || topic === null) throw new TypeError(`${where}: webhook.topic must be { header | field, values }`);
  if ((topic.header === undefined) === (topic.field === undefined)) {
    throw new TypeError(`${where}: webhook.topic takes exactly one of header (a request header) or field (a body field)`);
  }
  if (topic.header !== undefined) assertText(where, 'webhook.topic.header', topic.header);
  if (topic.field !== undefined) assertText(where, 'webhook.topic.field', topic.field);
  if (!Array.isArray(topic.values) || topic.values.length === 0) throw new TypeError(`${where}: webhook.topic.values must list at least one topic`);
  topic.values.forEach((value, index) => assertText(where, `webhook.topic.values[${index}]`, value));
}

// Node lower-cases incoming header names; a declaration reads better in the vendor's spelling.
function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1];
}

function fieldValue(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}
