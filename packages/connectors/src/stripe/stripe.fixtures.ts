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

/** The events the sandbox can build and send. */
export const STRIPE_EVENT_TYPES = ['payment_intent.succeeded', 'customer.created'] as const;

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

/** Stripe's error `type` values (api_errors.type). */
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

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

/** Payment intents the sandbox starts with: three succeeded (refundable), one awaiting a payment method. */
export const SEED_PAYMENT_INTENTS = [
  { id: 'pi_SbxSeed00000001', amount: 2000, currency: 'eur', status: 'succeeded', customerIndex: 0, description: 'Order 1001' },
  { id: 'pi_SbxSeed00000002', amount: 4599, currency: 'usd', status: 'succeeded', customerIndex: 1, description: 'Order 1002' },
  { id: 'pi_SbxSeed00000003', amount: 12999, currency: 'eur', status: 'succeeded', customerIndex: 2, description: 'Order 1003' },
  { id: 'pi_SbxSeed00000004', amount: 750, currency: 'gbp', status: 'requires_payment_method', customerIndex: 3, description: 'Order 1004' },
] as const;
