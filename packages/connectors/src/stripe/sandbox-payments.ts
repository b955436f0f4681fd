import type { SandboxResponse } from '@weft/sdk/testing';
import { chargeableAmountProblem } from './stripe.currencies.ts';
import {
  CANCELABLE_STATUSES,
  CANCELLATION_REASONS,
  CONFIRMABLE_STATUSES,
  ERROR_MESSAGES,
  PAYMENT_INTENT_CANCEL_PARAMS,
  PAYMENT_INTENT_CAPTURE_PARAMS,
  PAYMENT_INTENT_CONFIRM_PARAMS,
  PAYMENT_INTENT_CREATE_PARAMS,
  REFUND_CREATE_PARAMS,
  REFUND_REASONS,
  TEST_PAYMENT_METHODS,
  UNEXPECTED_STATE,
} from './stripe.fixtures.ts';
import { newCharge, newPaymentIntent, type StripePaymentIntent, type StripeRefund, type StripeState } from './sandbox-state.ts';
import {
  badMetadata,
  booleanParam,
  enumParam,
  formParams,
  integerParam,
  invalid,
  isResponse,
  listRoute,
  metadataOf,
  mergedMetadata,
  missingParameter,
  noSuch,
  postToRecord,
  retrieveRoute,
  recordEvent,
  seconds,
  stripeError,
  text,
  tooLong,
  unknownParameter,
  type StripeRoute,
} from './sandbox-support.ts';

/**
 * Payment intents, their charges and refunds. A PaymentIntent moves
 * requires_payment_method → requires_confirmation → (confirm) succeeded, or requires_capture with
 * capture_method=manual, then captured or canceled. Confirming charges a test payment method:
 * pm_card_visa succeeds, pm_card_chargeDeclined answers 402 card_error. Each attempt leaves a
 * Charge (latest_charge), failed ones included.
 */

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;

export const paymentRoutes: StripeRoute[] = [
  {
    method: 'POST',
    path: '/v1/payment_intents',
    handle: (request, context) => {
      const { state } = context;
      const params = formParams(request);
      const problem =
        unknownParameter(params, PAYMENT_INTENT_CREATE_PARAMS) ??
        missingParameter(params, 'amount') ??
        missingParameter(params, 'currency') ??
        tooLong(params, { description: 1000 }) ??
        badMetadata(params);
      if (problem !== undefined) return problem;
      const amount = integerParam(params, 'amount', { min: 1 });
      const confirm = booleanParam(params, 'confirm');
      const captureMethod = enumParam(params, 'capture_method', CAPTURE_METHODS);
      for (const value of [amount, confirm, captureMethod]) if (isResponse(value)) return value;
      const currency = String(params.currency);
      if (!/^[a-z]{3}$/.test(currency)) return invalid(`Invalid currency: ${currency}. Stripe expects a three-letter ISO code in lower case.`, { param: 'currency' });
      const amountProblem = chargeableAmountProblem(amount as number, currency);
      if (amountProblem !== undefined) return invalid(`Invalid amount. ${amountProblem}.`, { code: 'invalid_charge_amount_no_decimal_compatible', param: 'amount' });
      const customer = text(params.customer);
      if (customer !== null && state.customers.get(customer) === undefined) return noSuch('customer', customer, 'customer', 400);
      const paymentMethod = text(params.payment_method);
      if (paymentMethod !== null && TEST_PAYMENT_METHODS[paymentMethod] === undefined) return noSuchPaymentMethod(paymentMethod);
      if (confirm === true && paymentMethod === null) return missingPaymentMethod();

      const intent = state.paymentIntents.insert({
        ...newPaymentIntent(state.nextId('pi'), seconds(context), { amount: amount as number, currency, customer, description: text(params.description) }),
        status: paymentMethod === null ? 'requires_payment_method' : 'requires_confirmation',
        capture_method: (captureMethod as StripePaymentIntent['capture_method'] | undefined) ?? 'automatic',
        payment_method: paymentMethod,
        receipt_email: text(params.receipt_email),
        metadata: metadataOf(params),
      });
      recordEvent(state, 'payment_intent.created', intent, seconds(context));
      if (confirm === true) return confirmIntent(state, intent, paymentMethod!, seconds(context)) ?? { body: intent };
      return { body: intent };
    },
  },
  listRoute('/v1/payment_intents', (state: StripeState) => state.paymentIntents, 'payment_intent', ['customer']),
  retrieveRoute('/v1/payment_intents', (state: StripeState) => state.paymentIntents, 'payment_intent', 'intent'),
  postToRecord('/v1/payment_intents/:intent/confirm', (state: StripeState) => state.paymentIntents, 'payment_intent', PAYMENT_INTENT_CONFIRM_PARAMS, (intent, params, context) => {
    const { state } = context;
    if (!(CONFIRMABLE_STATUSES as readonly string[]).includes(intent.status)) {
      return unexpectedState(
        `You cannot confirm this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be confirmed: ${CONFIRMABLE_STATUSES.join(', ')}.`,
      );
    }
    const paymentMethod = text(params.payment_method) ?? intent.payment_method;
    if (paymentMethod === null) return missingPaymentMethod();
    if (TEST_PAYMENT_METHODS[paymentMethod] === undefined) return noSuchPaymentMethod(paymentMethod);
    return confirmIntent(state, intent, paymentMethod, seconds(context)) ?? { body: intent };
  }),
  postToRecord('/v1/payment_intents/:intent/capture', (state: StripeState) => state.paymentIntents, 'payment_intent', PAYMENT_INTENT_CAPTURE_PARAMS, (intent, params, context, request) => {
    const { state } = context;
    const problem = badMetadata(params);
    if (problem !== undefined) return problem;
    if (intent.status !== 'requires_capture') {
      return unexpectedState(
        `This PaymentIntent could not be captured because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      );
    }
    const requested = integerParam(params, 'amount_to_capture', { min: 1 });
    if (isResponse(requested)) return requested;
    const amount = requested ?? intent.amount_capturable;
    if (amount > intent.amount_capturable) {
      return invalid(`The amount to capture (${amount}) must be less than or equal to the amount that can be captured (${intent.amount_capturable}).`, {
        code: 'amount_too_large',
        param: 'amount_to_capture',
      });
    }
    const charge = state.charges.get(intent.latest_charge ?? '');
    // The part not captured is released back to the card, which Stripe shows as refunded.
    if (charge !== undefined) {
      Object.assign(charge, { captured: true, amount_captured: amount, amount_refunded: charge.amount - amount, balance_transaction: state.nextId('txn') });
    }
    Object.assign(intent, { status: 'succeeded', amount_received: amount, amount_capturable: 0, metadata: mergedMetadata(intent.metadata, params) });
    if (charge !== undefined) recordEvent(state, 'charge.captured', charge, seconds(context));
    recordEvent(state, 'payment_intent.succeeded', intent, seconds(context));
    return { body: intent };
  }),
  postToRecord('/v1/payment_intents/:intent/cancel', (state: StripeState) => state.paymentIntents, 'payment_intent', PAYMENT_INTENT_CANCEL_PARAMS, (intent, params, context) => {
    const { state } = context;
    const reason = enumParam(params, 'cancellation_reason', CANCELLATION_REASONS);
    if (isResponse(reason)) return reason;
    if (!(CANCELABLE_STATUSES as readonly string[]).includes(intent.status)) {
      return unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE_STATUSES.join(', ')}.`,
      );
    }
    // Canceling an authorization releases the held amount: the uncaptured charge is refunded in full.
    const charge = intent.status === 'requires_capture' ? state.charges.get(intent.latest_charge ?? '') : undefined;
    if (charge !== undefined) Object.assign(charge, { amount_refunded: charge.amount, refunded: true });
    Object.assign(intent, { status: 'canceled', amount_capturable: 0, canceled_at: seconds(context), cancellation_reason: reason ?? null });
    recordEvent(state, 'payment_intent.canceled', intent, seconds(context));
    return { body: intent };
  }),
  listRoute('/v1/charges', (state: StripeState) => state.charges, 'charge', ['payment_intent', 'customer']),
  retrieveRoute('/v1/charges', (state: StripeState) => state.charges, 'charge', 'charge'),
  {
    method: 'POST',
    path: '/v1/refunds',
    handle: (request, context) => {
      const { state } = context;
      const params = formParams(request);
      const problem = unknownParameter(params, REFUND_CREATE_PARAMS) ?? badMetadata(params);
      if (problem !== undefined) return problem;
      const intentId = text(params.payment_intent);
      if (intentId === null) {
        return invalid('One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing', param: 'payment_intent' });
      }
      const intent = state.paymentIntents.get(intentId);
      if (intent === undefined) return noSuch('payment_intent', intentId, 'payment_intent', 400);
      if (intent.status !== 'succeeded') {
        return invalid(`This PaymentIntent (${intentId}) does not have a successful charge to refund.`, { param: 'payment_intent' });
      }
      const refunded = state.refunds.all().filter((refund) => refund.payment_intent === intentId).reduce((sum, refund) => sum + refund.amount, 0);
      const remaining = intent.amount_received - refunded;
      const amount = params.amount === undefined ? remaining : Number(params.amount);
      if (!Number.isInteger(amount) || amount < 1) return invalid('Invalid positive integer', { code: 'parameter_invalid_integer', param: 'amount' });
      if (amount > remaining) {
        return invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, { code: 'amount_too_large', param: 'amount' });
      }
      const reason = text(params.reason);
      if (reason !== null && !(REFUND_REASONS as readonly string[]).includes(reason)) {
        return invalid(`Invalid reason: must be one of ${REFUND_REASONS.join(', ')}`, { param: 'reason' });
      }
      return { body: refundIntent(state, intent, { amount, reason, metadata: metadataOf(params) }, seconds(context)) };
    },
  },
];

/** Refunds part or all of a succeeded intent's charge; the caller has checked the amount. */
export function refundIntent(
  state: StripeState,
  intent: StripePaymentIntent,
  fields: { amount: number; reason: string | null; metadata: Record<string, string> },
  now: number,
): StripeRefund {
  const refund = state.refunds.insert({
    id: state.nextId('re'),
    object: 'refund',
    amount: fields.amount,
    currency: intent.currency,
    charge: intent.latest_charge,
    payment_intent: intent.id,
    status: 'succeeded',
    reason: fields.reason,
    created: now,
    metadata: fields.metadata,
    balance_transaction: state.nextId('txn'),
  });
  const charge = state.charges.get(intent.latest_charge ?? '');
  if (charge !== undefined) {
    charge.amount_refunded += fields.amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    // charge.refunded carries the Charge, with what has been refunded of it so far.
    recordEvent(state, 'charge.refunded', charge, now);
  }
  return refund;
}

/**
 * Charges the payment method for the intent, in place: on success the intent is succeeded (or
 * requires_capture) with a new Charge; on a decline it goes back to requires_payment_method with
 * last_payment_error and a failed Charge, and the answer is Stripe's 402. Undefined means success.
 */
export function confirmIntent(state: StripeState, intent: StripePaymentIntent, paymentMethod: string, now: number): SandboxResponse | undefined {
  const card = TEST_PAYMENT_METHODS[paymentMethod];
  const charge = state.charges.insert(
    newCharge(state.nextId('ch'), now, {
      amount: intent.amount,
      currency: intent.currency,
      customer: intent.customer,
      description: intent.description,
      paymentIntent: intent.id,
      paymentMethod,
    }),
  );
  charge.invoice = intent.invoice;
  charge.receipt_email = intent.receipt_email;
  intent.latest_charge = charge.id;

  const decline = card?.decline;
  if (decline !== undefined) {
    Object.assign(charge, {
      status: 'failed',
      paid: false,
      failure_code: decline.code,
      failure_message: decline.message,
      outcome: { network_status: 'declined_by_network', reason: decline.declineCode, risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' },
    });
    const error = {
      type: 'card_error' as const,
      code: decline.code,
      decline_code: decline.declineCode,
      message: decline.message,
      charge: charge.id,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
    };
    // The failed payment method is detached, so the next confirm must name another.
    Object.assign(intent, { status: 'requires_payment_method', payment_method: null, last_payment_error: error });
    recordEvent(state, 'charge.failed', charge, now);
    recordEvent(state, 'payment_intent.payment_failed', intent, now);
    return stripeError(402, 'card_error', decline.message, { ...error, payment_intent: structuredClone(intent) });
  }

  intent.payment_method = paymentMethod;
  intent.last_payment_error = null;
  if (intent.capture_method === 'manual') {
    Object.assign(intent, { status: 'requires_capture', amount_capturable: intent.amount });
    recordEvent(state, 'charge.succeeded', charge, now);
    recordEvent(state, 'payment_intent.amount_capturable_updated', intent, now);
  } else {
    Object.assign(charge, { captured: true, amount_captured: charge.amount, balance_transaction: state.nextId('txn') });
    Object.assign(intent, { status: 'succeeded', amount_received: intent.amount });
    recordEvent(state, 'charge.succeeded', charge, now);
    recordEvent(state, 'payment_intent.succeeded', intent, now);
  }
  return undefined;
}

function noSuchPaymentMethod(id: string): SandboxResponse {
  return invalid(ERROR_MESSAGES.noSuch('PaymentMethod', id), { code: 'resource_missing', param: 'payment_method' });
}

function missingPaymentMethod(): SandboxResponse {
  return unexpectedState(
    "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent, specify a payment method attached to its customer.",
    'payment_method',
  );
}

function unexpectedState(message: string, param?: string): SandboxResponse {
  return invalid(message, { code: UNEXPECTED_STATE, ...(param === undefined ? {} : { param }) });
}
