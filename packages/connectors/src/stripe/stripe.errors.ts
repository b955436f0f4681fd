import { ConflictError, PermanentError, type ConnectorError, type HttpResponse } from '@weft/sdk';
import { UNEXPECTED_STATE } from './stripe.fixtures.ts';

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
  if (response.status === 400 && error.code === UNEXPECTED_STATE) {
    return new ConflictError('ERR_STRIPE_UNEXPECTED_STATE', {
      status: 400,
      message: `Stripe refused the change because of the payment's current status: ${words ?? UNEXPECTED_STATE}`,
      ...(words === undefined ? {} : { details: { vendorMessage: words } }),
    });
  }
  return undefined;
}
