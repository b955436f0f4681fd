import { createHmac } from 'node:crypto';
import { createSandbox, type RunningSandbox, type SandboxContext, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  CUSTOMER_CREATE_PARAMS,
  CUSTOMER_MAX_LENGTH,
  CUSTOMER_UPDATE_PARAMS,
  ERROR_MESSAGES,
  SANDBOX_SECRET_KEY,
  SANDBOX_WEBHOOK_SECRET,
  STRIPE_API_VERSION,
  STRIPE_EVENT_TYPES,
  TEST_PAYMENT_METHODS,
} from './stripe.fixtures.ts';
import { invoiceRoutes } from './sandbox-invoices.ts';
import { confirmIntent, paymentRoutes, refundIntent } from './sandbox-payments.ts';
import { addLine, addressFrom, newCustomer, newInvoice, newInvoiceItem, newPaymentIntent, nextInvoiceNumber, seedState, type StripeCustomer, type StripeState } from './sandbox-state.ts';
import {
  badMetadata,
  canonicalJson,
  formParams,
  invalid,
  listPage,
  listRoute,
  mergedMetadata,
  metadataOf,
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
 * A stateful fake of the parts of Stripe the connector uses: form-encoded requests, Bearer or
 * Basic secret-key auth, Stripe's error JSON and Request-Id header, newest-first cursor lists,
 * Idempotency-Key replay on every POST, and events delivered with a Stripe-Signature header.
 * Customers and events are here; payments (sandbox-payments.ts) and invoices
 * (sandbox-invoices.ts) have their own modules.
 */

export interface StripeSandbox extends RunningSandbox<StripeState> {
  secretKey: string;
  webhookSecret: string;
}

export interface StripeSandboxOptions {
  port?: number;
  host?: string;
  /** Refuse more than this many requests a second with 429s, as Stripe does (25 in test mode). Default: no limit. */
  requestsPerSecond?: number;
  secretKey?: string;
  webhookSecret?: string;
  now?: () => number;
  random?: () => number;
}

/** Stripe answers a POST whose handler ran (a card decline included) the same way again for the same key. */
const SAVED_FAILURE_STATUSES = new Set([402]);

const customerRoutes: StripeRoute[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    handle: (request, context) => {
      const { state } = context;
      const params = formParams(request);
      const problem = unknownParameter(params, CUSTOMER_CREATE_PARAMS) ?? tooLong(params, CUSTOMER_MAX_LENGTH) ?? badMetadata(params) ?? badShipping(params);
      if (problem !== undefined) return problem;
      const customer = state.customers.insert(
        newCustomer(state.nextId('cus'), seconds(context), {
          email: text(params.email),
          name: text(params.name),
          description: text(params.description),
          phone: text(params.phone),
          address: addressFrom(params.address),
          shipping: shippingFrom(params.shipping),
          metadata: metadataOf(params),
        }),
      );
      recordEvent(state, 'customer.created', customer, seconds(context));
      return { body: customer };
    },
  },
  listRoute('/v1/customers', (state: StripeState) => state.customers, 'customer', ['email']),
  retrieveRoute('/v1/customers', (state: StripeState) => state.customers, 'customer', 'id'),
  postToRecord('/v1/customers/:id', (state: StripeState) => state.customers, 'customer', CUSTOMER_UPDATE_PARAMS, (customer, params, context) => {
    const { state } = context;
    const problem = tooLong(params, CUSTOMER_MAX_LENGTH) ?? badMetadata(params) ?? badShipping(params);
    if (problem !== undefined) return problem;
    const settings = params.invoice_settings as Record<string, unknown> | undefined;
    const defaultPaymentMethod = typeof settings === 'object' && settings !== null ? settings.default_payment_method : undefined;
    if (typeof defaultPaymentMethod === 'string' && defaultPaymentMethod !== '' && TEST_PAYMENT_METHODS[defaultPaymentMethod] === undefined) {
      return noSuch('PaymentMethod', defaultPaymentMethod, 'invoice_settings[default_payment_method]', 400);
    }
    // A field sent empty is unset; one not sent is kept.
    const patch: Partial<StripeCustomer> = {};
    for (const field of ['email', 'name', 'description', 'phone'] as const) if (params[field] !== undefined) patch[field] = text(params[field]);
    if (params.address !== undefined) patch.address = addressFrom(params.address);
    if (params.shipping !== undefined) patch.shipping = shippingFrom(params.shipping);
    if (params.metadata !== undefined) patch.metadata = mergedMetadata(customer.metadata, params);
    if (defaultPaymentMethod !== undefined) patch.invoice_settings = { ...customer.invoice_settings, default_payment_method: text(defaultPaymentMethod) };
    Object.assign(customer, patch);
    recordEvent(state, 'customer.updated', customer, seconds(context));
    return { body: customer };
  }),
  {
    method: 'GET',
    path: '/v1/events',
    handle: (request, { state }) => {
      const created = request.query.created as Record<string, unknown> | undefined;
      const gte = created !== undefined && typeof created === 'object' && created.gte !== undefined ? Number(created.gte) : undefined;
      const events = state.events
        .all()
        .filter((event) => gte === undefined || event.created >= gte)
        .filter((event) => typeof request.query.type !== 'string' || event.type === request.query.type);
      return listPage(request, events, 'event', '/v1/events');
    },
  },
];

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const secretKey = options.secretKey ?? SANDBOX_SECRET_KEY;
  const webhookSecret = options.webhookSecret ?? SANDBOX_WEBHOOK_SECRET;
  let requestCount = 0;
  // Request ids outlive reset(), like Stripe's; they only need to be unique within a run.
  const requestIds = new WeakMap<SandboxRequest, string>();
  const requestId = (request: SandboxRequest): string => {
    let id = requestIds.get(request);
    if (id === undefined) {
      id = `req_sbx${String(++requestCount).padStart(11, '0')}`;
      requestIds.set(request, id);
    }
    return id;
  };

  /**
   * Stripe's idempotency, on every POST: a repeated key with the same parameters gets the first
   * response again (with Idempotent-Replayed: true); with other parameters or another endpoint, a
   * 400 idempotency_error. Only requests that ran are saved (successes, and card declines, which
   * ran and changed state), so one refused for its parameters can be retried. GETs ignore the key.
   */
  const idempotent = (route: StripeRoute): StripeRoute => {
    if (route.method !== 'POST') return route;
    return {
      ...route,
      handle: async (request, context) => {
        const key = request.headers['idempotency-key'];
        if (key === undefined) return route.handle(request, context);
        const fingerprint = `${request.method} ${request.path} ${canonicalJson(request.body ?? {})}`;
        const saved = context.state.idempotency.get(key);
        if (saved !== undefined) {
          if (saved.fingerprint !== fingerprint) return stripeError(400, 'idempotency_error', ERROR_MESSAGES.idempotencyMismatch(key));
          return { ...saved.response, headers: { ...saved.response.headers, 'idempotent-replayed': 'true', 'original-request': saved.requestId } };
        }
        const response = await route.handle(request, context);
        const status = response.status ?? 200;
        // A copy: the records go on changing, the replayed answer must not.
        if (status < 400 || SAVED_FAILURE_STATUSES.has(status)) {
          context.state.idempotency.set(key, { fingerprint, requestId: requestId(request), response: structuredClone(response) });
        }
        return response;
      },
    };
  };

  const sandbox = createSandbox<StripeState>({
    name: 'stripe',
    seed: seedState,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.requestsPerSecond === undefined ? {} : { rateLimit: { requests: options.requestsPerSecond, windowMs: 1000 } }),
    headers: (request) => ({ 'request-id': requestId(request), 'stripe-version': STRIPE_API_VERSION }),
    authenticate: (request) => {
      const key = apiKeyFrom(request.headers.authorization);
      if (key === undefined) return stripeError(401, 'invalid_request_error', ERROR_MESSAGES.noApiKey);
      if (key !== secretKey) return stripeError(401, 'invalid_request_error', ERROR_MESSAGES.invalidApiKey(key));
      return undefined;
    },
    errorResponse: (failure, request) => {
      switch (failure.kind) {
        case 'rate-limited':
          return stripeError(429, 'invalid_request_error', ERROR_MESSAGES.rateLimit, { code: 'rate_limit' });
        case 'unknown-route':
          return stripeError(404, 'invalid_request_error', ERROR_MESSAGES.unknownUrl(request.method, request.path));
        case 'bad-body':
          return stripeError(failure.status, 'invalid_request_error', failure.message);
        case 'unavailable':
        case 'injected':
          if (failure.status === 401) return stripeError(401, 'invalid_request_error', ERROR_MESSAGES.invalidApiKey(secretKey));
          if (failure.status === 404) return stripeError(404, 'invalid_request_error', 'No such object', { code: 'resource_missing' });
          if (failure.status >= 500) return stripeError(failure.status, 'api_error', ERROR_MESSAGES.apiError);
          return stripeError(failure.status, 'invalid_request_error', failure.message);
      }
    },
    routes: [...customerRoutes, ...paymentRoutes, ...invoiceRoutes].map(idempotent),
    webhooks: {
      sign: (rawBody, nowMs) => {
        const timestamp = Math.floor(nowMs / 1000);
        const signature = createHmac('sha256', webhookSecret).update(`${timestamp}.${rawBody}`).digest('hex');
        return { 'stripe-signature': `t=${timestamp},v1=${signature}` };
      },
      event: (type, context, data) => buildEvent(type, context, data),
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { secretKey, webhookSecret });
}

/**
 * An event asked for by type (`/_sandbox/webhooks/deliver`): the records it is about are made
 * through the same paths a request takes, so the event is what the API would have recorded.
 * `payment_intent.succeeded` may name an existing intent with `{ payment_intent }`.
 */
function buildEvent(type: string, context: SandboxContext<StripeState>, data: unknown): unknown {
  const { state } = context;
  const now = seconds(context);
  switch (type) {
    case 'payment_intent.succeeded': {
      const given = typeof data === 'object' && data !== null ? (data as { payment_intent?: unknown }).payment_intent : undefined;
      if (typeof given === 'string') {
        const intent = state.paymentIntents.get(given);
        if (intent === undefined) throw new Error(ERROR_MESSAGES.noSuch('payment_intent', given));
        return recordEvent(state, type, intent, now);
      }
      return lastEvent(state, type, () => chargeNewIntent(state, now));
    }
    case 'charge.succeeded':
      return lastEvent(state, type, () => chargeNewIntent(state, now));
    case 'charge.refunded':
      return lastEvent(state, type, () => {
        const intent = chargeNewIntent(state, now);
        refundIntent(state, intent, { amount: intent.amount_received, reason: 'requested_by_customer', metadata: {} }, now);
      });
    case 'invoice.paid':
      return lastEvent(state, type, () => {
        const customer = firstCustomer(state);
        const invoice = state.invoices.insert(
          newInvoice(state.nextId('in'), now, customer, { currency: 'usd', collectionMethod: 'charge_automatically', daysUntilDue: undefined, autoAdvance: false, description: null, metadata: {} }),
        );
        const item = state.invoiceItems.insert(
          newInvoiceItem(state.nextId('ii'), now, { customer: customer.id, currency: 'usd', unitAmount: 2500, quantity: 2, description: 'Widget', invoice: invoice.id, price: null, metadata: {} }),
        );
        addLine(invoice, item, state.nextId('il'));
        Object.assign(invoice, { status: 'paid', paid: true, paid_out_of_band: true, amount_paid: invoice.amount_due, amount_remaining: 0, number: nextInvoiceNumber(state, customer), effective_at: now });
        Object.assign(invoice.status_transitions, { finalized_at: now, paid_at: now });
        recordEvent(state, 'invoice.paid', invoice, now);
      });
    case 'customer.created': {
      const customer = state.customers.insert(newCustomer(state.nextId('cus'), now, { email: 'new.customer@example.com', name: 'New Customer' }));
      return recordEvent(state, type, customer, now);
    }
  }
  throw new Error(`the Stripe sandbox builds ${STRIPE_EVENT_TYPES.join(', ')} events, not ${type}`);
}

/** Runs `happen`, then returns the newest event of `type` it recorded. */
function lastEvent(state: StripeState, type: string, happen: () => unknown): unknown {
  const before = state.events.size;
  happen();
  const recorded = state.events.all().slice(before).filter((event) => event.type === type);
  if (recorded.length === 0) throw new Error(`the Stripe sandbox recorded no ${type} event`);
  return recorded.at(-1);
}

/** A new card payment by the first customer, confirmed with pm_card_visa: it succeeds and has a Charge. */
function chargeNewIntent(state: StripeState, now: number) {
  const intent = state.paymentIntents.insert(
    newPaymentIntent(state.nextId('pi'), now, { amount: 3200, currency: 'eur', customer: firstCustomer(state).id, description: null }),
  );
  const declined = confirmIntent(state, intent, 'pm_card_visa', now);
  if (declined !== undefined) throw new Error('the sandbox\'s own test card was declined');
  return intent;
}

function firstCustomer(state: StripeState): StripeCustomer {
  const [customer] = state.customers.all();
  if (customer === undefined) throw new Error('the Stripe sandbox has no customer to build the event for');
  return customer;
}

function badShipping(params: Record<string, unknown>): SandboxResponse | undefined {
  const { shipping } = params;
  if (shipping === undefined || shipping === '') return undefined;
  const name = typeof shipping === 'object' && shipping !== null ? (shipping as Record<string, unknown>).name : undefined;
  return typeof name === 'string' && name !== '' ? undefined : invalid('Missing required param: shipping[name].', { code: 'parameter_missing', param: 'shipping[name]' });
}

function shippingFrom(value: unknown): StripeCustomer['shipping'] {
  if (typeof value !== 'object' || value === null) return null;
  const shipping = value as Record<string, unknown>;
  return {
    name: String(shipping.name),
    phone: text(shipping.phone),
    address: addressFrom(shipping.address) ?? { line1: null, line2: null, city: null, state: null, postal_code: null, country: null },
  };
}

/** Bearer <key>, or Basic with the key as the user name and no password. */
function apiKeyFrom(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return value || undefined;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}
