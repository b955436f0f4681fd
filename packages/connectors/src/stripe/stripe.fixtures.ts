/**
 * Facts about Stripe's API that the sandbox reproduces, taken from Stripe's OpenAPI document
 * (spec3, API version 2023-08-16) and its published error and webhook rules, plus the seed data
 * the sandbox starts with. Everything here is test data: no real key or account.
 */

export const STRIPE_API_VERSION = '2023-08-16';

/** What `weft sandbox stripe` prints and the tests use; the prefixes are Stripe's, the rest is made up. */
export const SANDBOX_SECRET_KEY = 'sk_test_weftSandbox000000000000000000';
export const SANDBOX_WEBHOOK_SECRET = 'whsec_weftSandbox00000000000000000000';

/** Stripe's rate limit in test mode; live mode allows 100 per second. */
export const TEST_MODE_REQUESTS_PER_SECOND = 25;

/** The events the sandbox can build and send on request (`/_sandbox/webhooks/deliver`); the first is the CLI's example. */
export const STRIPE_EVENT_TYPES = ['payment_intent.succeeded', 'customer.created', 'charge.succeeded', 'charge.refunded', 'invoice.paid'] as const;

/** GET list endpoints: `limit` is 1..100 and defaults to 10. */
export const LIST_LIMIT = { default: 10, max: 100 } as const;

/** Body parameters POST /v1/customers accepts (PostCustomers); anything else is `parameter_unknown`. */
export const CUSTOMER_CREATE_PARAMS = [
  'address', 'balance', 'cash_balance', 'coupon', 'description', 'email', 'expand', 'invoice_prefix', 'invoice_settings',
  'metadata', 'name', 'next_invoice_sequence', 'payment_method', 'phone', 'preferred_locales', 'promotion_code',
  'shipping', 'source', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock',
] as const;

/** maxLength of the customer fields the sandbox checks. */
export const CUSTOMER_MAX_LENGTH = { email: 512, name: 256, phone: 20, description: 5000 } as const;

/** Body parameters POST /v1/refunds accepts (PostRefunds). */
export const REFUND_CREATE_PARAMS = [
  'amount', 'charge', 'currency', 'customer', 'expand', 'instructions_email', 'metadata', 'origin', 'payment_intent',
  'reason', 'refund_application_fee', 'reverse_transfer',
] as const;

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

/** Body parameters POST /v1/customers/{customer} accepts (PostCustomersCustomer). */
export const CUSTOMER_UPDATE_PARAMS = [
  'address', 'balance', 'bank_account', 'card', 'cash_balance', 'coupon', 'default_alipay_account', 'default_bank_account',
  'default_card', 'default_source', 'description', 'email', 'expand', 'invoice_prefix', 'invoice_settings', 'metadata', 'name',
  'next_invoice_sequence', 'phone', 'preferred_locales', 'promotion_code', 'shipping', 'source', 'tax', 'tax_exempt',
] as const;

/** Body parameters POST /v1/payment_intents accepts (PostPaymentIntents); amount and currency are required. */
export const PAYMENT_INTENT_CREATE_PARAMS = [
  'amount', 'application_fee_amount', 'automatic_payment_methods', 'capture_method', 'confirm', 'confirmation_method', 'currency',
  'customer', 'description', 'error_on_requires_action', 'expand', 'mandate', 'mandate_data', 'metadata', 'off_session',
  'on_behalf_of', 'payment_method', 'payment_method_data', 'payment_method_options', 'payment_method_types', 'radar_options',
  'receipt_email', 'return_url', 'setup_future_usage', 'shipping', 'statement_descriptor', 'statement_descriptor_suffix',
  'transfer_data', 'transfer_group', 'use_stripe_sdk',
] as const;

/** POST /v1/payment_intents/{intent}/confirm (PostPaymentIntentsIntentConfirm). */
export const PAYMENT_INTENT_CONFIRM_PARAMS = [
  'capture_method', 'client_secret', 'error_on_requires_action', 'expand', 'mandate', 'mandate_data', 'off_session', 'payment_method',
  'payment_method_data', 'payment_method_options', 'payment_method_types', 'radar_options', 'receipt_email', 'return_url',
  'setup_future_usage', 'shipping', 'use_stripe_sdk',
] as const;

/** POST /v1/payment_intents/{intent}/capture (PostPaymentIntentsIntentCapture). */
export const PAYMENT_INTENT_CAPTURE_PARAMS = [
  'amount_to_capture', 'application_fee_amount', 'expand', 'metadata', 'statement_descriptor', 'statement_descriptor_suffix', 'transfer_data',
] as const;

/** POST /v1/payment_intents/{intent}/cancel (PostPaymentIntentsIntentCancel). */
export const PAYMENT_INTENT_CANCEL_PARAMS = ['cancellation_reason', 'expand'] as const;
export const CANCELLATION_REASONS = ['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'] as const;

/** The statuses from which Stripe lets each transition start (its unexpected-state messages list them). */
export const CONFIRMABLE_STATUSES = ['requires_confirmation', 'requires_payment_method', 'requires_action'] as const;
export const CANCELABLE_STATUSES = ['requires_payment_method', 'requires_capture', 'requires_confirmation', 'requires_action', 'processing'] as const;

/** Body parameters POST /v1/invoices accepts (PostInvoices). */
export const INVOICE_CREATE_PARAMS = [
  'account_tax_ids', 'application_fee_amount', 'auto_advance', 'automatic_tax', 'collection_method', 'currency', 'custom_fields',
  'customer', 'days_until_due', 'default_payment_method', 'default_source', 'default_tax_rates', 'description', 'discounts',
  'due_date', 'effective_at', 'expand', 'footer', 'from_invoice', 'metadata', 'on_behalf_of', 'payment_settings',
  'pending_invoice_items_behavior', 'rendering_options', 'shipping_cost', 'shipping_details', 'statement_descriptor',
  'subscription', 'transfer_data',
] as const;

/** Body parameters POST /v1/invoiceitems accepts (PostInvoiceitems); customer is required. */
export const INVOICE_ITEM_CREATE_PARAMS = [
  'amount', 'currency', 'customer', 'description', 'discountable', 'discounts', 'expand', 'invoice', 'metadata', 'period', 'price',
  'price_data', 'quantity', 'subscription', 'tax_behavior', 'tax_code', 'tax_rates', 'unit_amount', 'unit_amount_decimal',
] as const;

/** POST /v1/invoices/{invoice}/finalize and /pay. */
export const INVOICE_FINALIZE_PARAMS = ['auto_advance', 'expand'] as const;
export const INVOICE_PAY_PARAMS = ['expand', 'forgive', 'mandate', 'off_session', 'paid_out_of_band', 'payment_method', 'source'] as const;

/** Without a currency on the invoice or the customer, Stripe uses the account's default; the sandbox account's is USD. */
export const SANDBOX_DEFAULT_CURRENCY = 'usd';

/**
 * Stripe's test payment methods the sandbox knows (stripe.com/docs/testing): the `pm_card_*`
 * aliases stand for the test card numbers. A decline answers 402 with these `code`,
 * `decline_code` and message, as Stripe does for those cards.
 */
export interface TestCardDecline {
  code: string;
  declineCode: string;
  message: string;
}
export const TEST_PAYMENT_METHODS: Readonly<Record<string, { brand: string; last4: string; decline?: TestCardDecline }>> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  // 4000 0000 0000 0002: a generic decline.
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', decline: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' } },
  // 4000 0000 0000 9995.
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    decline: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
};

/** Stripe's error `type` values (api_errors.type). */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

/** The `code` Stripe gives a transition the object's status does not allow. */
export const UNEXPECTED_STATE = 'payment_intent_unexpected_state';

export const ERROR_MESSAGES = {
  noApiKey:
    "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
  invalidApiKey: (key: string) => `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`,
  rateLimit:
    'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
  apiError: 'An unknown error occurred',
  unknownUrl: (method: string, path: string) =>
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  unknownParameter: (name: string) => `Received unknown parameter: ${name}`,
  noSuch: (what: string, id: string) => `No such ${what}: '${id}'`,
  idempotencyMismatch: (key: string) =>
    `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
} as const;

/** 25 customers, so a list with the default limit of 10 spans three pages. */
export const SEED_CUSTOMER_COUNT = 25;

/** 2026-01-01T00:00:00Z: seeded records are created an hour apart from here. */
export const SEED_EPOCH_SECONDS = 1_767_225_600;

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Perlman', 'Berners-Lee'];

export function seedCustomerName(index: number): string {
  return `${FIRST_NAMES[index % FIRST_NAMES.length]} ${LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length]}`;
}

/**
 * Payment intents the sandbox starts with: three succeeded (refundable), one awaiting a payment
 * method (cancelable), one authorized for manual capture, one awaiting confirmation. Each one that
 * reached a card has a Charge with the intent's id after `ch_`.
 */
export const SEED_PAYMENT_INTENTS = [
  { id: 'pi_SbxSeed00000001', amount: 2000, currency: 'eur', status: 'succeeded', customerIndex: 0, description: 'Order 1001' },
  { id: 'pi_SbxSeed00000002', amount: 4599, currency: 'usd', status: 'succeeded', customerIndex: 1, description: 'Order 1002' },
  { id: 'pi_SbxSeed00000003', amount: 12999, currency: 'eur', status: 'succeeded', customerIndex: 2, description: 'Order 1003' },
  { id: 'pi_SbxSeed00000004', amount: 750, currency: 'gbp', status: 'requires_payment_method', customerIndex: 3, description: 'Order 1004' },
  { id: 'pi_SbxSeed00000005', amount: 5000, currency: 'usd', status: 'requires_capture', customerIndex: 4, description: 'Order 1005' },
  { id: 'pi_SbxSeed00000006', amount: 1500, currency: 'usd', status: 'requires_confirmation', customerIndex: 5, description: 'Order 1006' },
] as const;

/** The payment method the seeded intents that reached a card used. */
export const SEED_PAYMENT_METHOD = 'pm_card_visa';

/** Invoices the sandbox starts with, each with one line: a draft to finalize, an open one to pay, a paid one. */
export const SEED_INVOICES = [
  { id: 'in_SbxSeed00000001', status: 'draft', customerIndex: 6, amount: 12000, description: 'Consulting, January' },
  { id: 'in_SbxSeed00000002', status: 'open', customerIndex: 7, amount: 4500, description: 'Support plan, January' },
  { id: 'in_SbxSeed00000003', status: 'paid', customerIndex: 8, amount: 9900, description: 'Licence, January' },
] as const;
