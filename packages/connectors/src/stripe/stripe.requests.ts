import { cursor, type DeclarativeRequest } from '@weft/sdk';

/**
 * A form-encoded POST the way Stripe takes every write: nested fields as bracketed keys
 * (metadata[order_id]=6735), and the caller's idempotency key, when given, as the
 * Idempotency-Key header rather than a parameter.
 */
export function formPost(path: string, input: { idempotencyKey?: string | undefined } & Record<string, unknown>): DeclarativeRequest {
  const { idempotencyKey: key, ...fields } = input;
  return {
    method: 'POST',
    path,
    bodyEncoding: 'form',
    body: fields,
    ...(key === undefined ? {} : { headers: { 'Idempotency-Key': key } }),
  };
}

/** The path of one object: ids go in a path segment, so they are encoded. */
export function objectPath(collection: string, id: string, action?: string): string {
  return `/v1/${collection}/${encodeURIComponent(id)}${action === undefined ? '' : `/${action}`}`;
}

interface StripeList {
  data: { id: string }[];
  has_more: boolean;
}

/** Every Stripe list: newest first, the next page starts after the last id of this one while has_more. */
export const stripeListPages = cursor({
  cursorParam: 'starting_after',
  items: (body) => (body as StripeList).data,
  nextCursor: (body) => {
    const { data, has_more: hasMore } = body as StripeList;
    return hasMore ? data.at(-1)?.id : undefined;
  },
});
