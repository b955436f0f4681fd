import { ConflictError, PermanentError, RateLimitedError, type ConnectorError, type HttpResponse } from '@weft/sdk';
import { UNEXPECTED_STATE } from './stripe.fixtures.ts';

/** The least wait before re-sending a request whose key Stripe is still processing. */
const IN_PROGRESS_RETRY_MS = 1_000;

interface StripeErrorBody {
  error?: { type?: string; code?: string; decline_code?: string; message?: string; charge?: string };
}

/**
 * The Stripe answers whose meaning the HTTP status alone does not carry; everything else is left
 * to errorFromResponse (401 auth, 404 not found, 409 conflict, 429 rate limit, 400 validation).
 *
 * - 402 card_error: the issuer declined. Retrying the same card will not change that, so it is
 *   permanent, and the operator reads Stripe's sentence with the decline code.
 * - 400 payment_intent_unexpected_state: the intent is no longer where the request expected it
 *   (captured twice, confirmed after success), a conflict with its current state.
 * - 409 idempotency_error: another request with this Idempotency-Key is still running (ours,
 *   re-sent after a timeout or a takeover). Stripe finishes it and then answers the key with its
 *   outcome, so this is a wait, retried after a moment like any concurrency refusal; Stripe's own
 *   libraries retry every 409 for this reason.
 */
export function stripeErrors(response: HttpResponse): ConnectorError | undefined {
  if (response.status < 400) return undefined;
  const error = (response.body as StripeErrorBody | null)?.error;
  if (error === undefined) return undefined;
  const words = error.message?.replace(/[.\s]+$/, '');
  if (response.status === 402 && error.type === 'card_error') {
    const why = error.decline_code ?? error.code ?? 'card_error';
    const vendorMessage = `${words ?? 'The card was declined'} (${why})`;
    return new PermanentError('ERR_STRIPE_CARD_DECLINED', {
      reason: 'validation',
      status: 402,
      message: `Stripe declined the payment: ${vendorMessage}. Ask the customer for another payment method.`,
      details: { vendorMessage, code: error.code, declineCode: error.decline_code, charge: error.charge },
    });
  }
  if (response.status === 409 && error.type === 'idempotency_error') {
    return new RateLimitedError('ERR_STRIPE_IDEMPOTENCY_KEY_IN_USE', {
      status: 409,
      retryAfterMs: IN_PROGRESS_RETRY_MS,
      message: `Stripe is still processing an earlier request with this idempotency key; the call will be retried${words === undefined ? '' : `: ${words}`}`,
      ...(words === undefined ? {} : { details: { vendorMessage: words } }),
    });
  }
  if (response.status === 400 && error.code === UNEXPECTED_STATE) {
    return new ConflictError('ERR_STRIPE_UNEXPECTED_STATE', {
      status: 400,
      message: `Stripe refused the change because of the payment's current status: ${words ?? UNEXPECTED_STATE}`,
      ...(words === undefined ? {} : { details: { vendorMessage: words } }),
    });
  }
  return undefined;
}
