import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConflictError, RateLimitedError, errorFromResponse, type HttpResponse } from '@weft/sdk';
import { stripe } from './stripe.connector.ts';
import { stripeErrors } from './stripe.errors.ts';

function stripeAnswer(status: number, error: Record<string, string>): HttpResponse {
  const body = { error };
  return { status, headers: { 'content-type': 'application/json' }, body, text: JSON.stringify(body) };
}

// Stripe's answer to a request whose Idempotency-Key another request is still using.
const keyInUse = stripeAnswer(409, {
  type: 'idempotency_error',
  message:
    'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): order-1001-payment. Please try again later.',
});

describe('stripeErrors', () => {
  it('retries a 409 for an idempotency key still in use, after a moment: Stripe finishes the first request', () => {
    const error = stripeErrors(keyInUse);
    assert.ok(error instanceof RateLimitedError, String(error));
    assert.equal(error.code, 'ERR_STRIPE_IDEMPOTENCY_KEY_IN_USE');
    assert.equal(error.retryAfterMs, 1_000);
    assert.match(error.message, /still processing an earlier request with this idempotency key.*another in-progress request/);
  });

  it('leaves other 409s a conflict, and a key reused with other parameters (400) a validation error', () => {
    assert.equal(stripeErrors(stripeAnswer(409, { type: 'invalid_request_error', message: 'Conflict' })), undefined);
    assert.ok(errorFromResponse({ ...stripeAnswer(409, { type: 'invalid_request_error' }), now: 0 }) instanceof ConflictError);
    assert.equal(stripeErrors(stripeAnswer(400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters' })), undefined);
  });

  it('is the error hook of every Stripe action that sends an idempotency key', () => {
    const keyed = stripe.actions.filter((action) => 'idempotencyKey' in ((action.input as { properties?: object }).properties ?? {}));
    assert.ok(keyed.length >= 11, `found ${keyed.length}`);
    const without = keyed.filter((action) => !(action.errors?.(keyInUse) instanceof RateLimitedError)).map((action) => action.id);
    assert.deepEqual(without, []);
  });
});
