import { createHmac } from 'node:crypto';
import { createCollection, createSandbox, type Collection, type RunningSandbox, type SandboxRequest, type SandboxResponse } from '@weft/sdk/testing';
import {
  CUSTOMER_CREATE_PARAMS,
  CUSTOMER_MAX_LENGTH,
  ERROR_MESSAGES,
  LIST_LIMIT,
  REFUND_CREATE_PARAMS,
  REFUND_REASONS,
  SANDBOX_SECRET_KEY,
  SANDBOX_WEBHOOK_SECRET,
  SEED_CUSTOMER_COUNT,
  SEED_EPOCH_SECONDS,
  SEED_PAYMENT_INTENTS,
  STRIPE_API_VERSION,
  STRIPE_EVENT_TYPES,
  seedCustomerName,
  type StripeErrorType,
} from './stripe.fixtures.ts';

/**
 * A stateful fake of the parts of Stripe the connector uses: form-encoded requests, Bearer or
 * Basic secret-key auth, Stripe's error JSON and Request-Id header, newest-first cursor lists,
 * Idempotency-Key replay, and events delivered with a Stripe-Signature header.
 */

type Metadata = Record<string, string>;

export interface StripeCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  description: string | null;
  phone: string | null;
  metadata: Metadata;
  livemode: false;
  balance: number;
  currency: string | null;
  delinquent: boolean;
  invoice_prefix: string;
}

export interface StripePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  customer: string | null;
  description: string | null;
  latest_charge: string | null;
  created: number;
  metadata: Metadata;
  livemode: false;
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  payment_method_types: string[];
}

export interface StripeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  charge: string | null;
  payment_intent: string;
  status: 'succeeded';
  reason: string | null;
  created: number;
  metadata: Metadata;
  balance_transaction: string;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface StripeState {
  customers: Collection<StripeCustomer>;
  paymentIntents: Collection<StripePaymentIntent>;
  refunds: Collection<StripeRefund>;
  events: Collection<StripeEvent>;
  /** By Idempotency-Key: what the first request sent and what it got back. */
  idempotency: Map<string, { fingerprint: string; requestId: string; response: SandboxResponse }>;
  nextId(prefix: string): string;
}

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

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const secretKey = options.secretKey ?? SANDBOX_SECRET_KEY;
  const webhookSecret = options.webhookSecret ?? SANDBOX_WEBHOOK_SECRET;
  const now = options.now ?? Date.now;
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

  const seconds = () => Math.floor(now() / 1000);

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
    routes: [
      {
        method: 'POST',
        path: '/v1/customers',
        handle: idempotent((request, { state }) => {
          const params = formParams(request);
          const problem = unknownParameter(params, CUSTOMER_CREATE_PARAMS) ?? tooLong(params, CUSTOMER_MAX_LENGTH) ?? badMetadata(params);
          if (problem !== undefined) return problem;
          const customer = state.customers.insert(
            newCustomer(state.nextId('cus'), seconds(), {
              email: text(params.email),
              name: text(params.name),
              description: text(params.description),
              phone: text(params.phone),
              metadata: metadataOf(params),
            }),
          );
          recordEvent(state, 'customer.created', customer, seconds());
          return { body: customer };
        }),
      },
      {
        method: 'GET',
        path: '/v1/customers',
        handle: (request, { state }) => {
          const limit = request.query.limit === undefined ? LIST_LIMIT.default : Number(request.query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT.max) {
            return stripeError(400, 'invalid_request_error', `Invalid limit: must be an integer between 1 and ${LIST_LIMIT.max}`, { param: 'limit' });
          }
          // Newest first, as every Stripe list is.
          let customers = state.customers.all().reverse();
          if (typeof request.query.email === 'string') customers = customers.filter((customer) => customer.email === request.query.email);
          const after = request.query.starting_after;
          if (typeof after === 'string') {
            const index = customers.findIndex((customer) => customer.id === after);
            if (index < 0) return stripeError(400, 'invalid_request_error', ERROR_MESSAGES.noSuch('customer', after), { code: 'resource_missing', param: 'starting_after' });
            customers = customers.slice(index + 1);
          }
          return { body: { object: 'list', data: customers.slice(0, limit), has_more: customers.length > limit, url: '/v1/customers' } };
        },
      },
      {
        method: 'GET',
        path: '/v1/events',
        handle: (request, { state }) => {
          const limit = request.query.limit === undefined ? LIST_LIMIT.default : Number(request.query.limit);
          if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT.max) {
            return stripeError(400, 'invalid_request_error', `Invalid limit: must be an integer between 1 and ${LIST_LIMIT.max}`, { param: 'limit' });
          }
          const created = request.query.created as Record<string, unknown> | undefined;
          const gte = created !== undefined && typeof created === 'object' && created.gte !== undefined ? Number(created.gte) : undefined;
          // Newest first, as every Stripe list is.
          let events = state.events.all().reverse();
          if (gte !== undefined) events = events.filter((event) => event.created >= gte);
          if (typeof request.query.type === 'string') events = events.filter((event) => event.type === request.query.type);
          const after = request.query.starting_after;
          if (typeof after === 'string') {
            const index = events.findIndex((event) => event.id === after);
            if (index < 0) return stripeError(400, 'invalid_request_error', ERROR_MESSAGES.noSuch('event', after), { code: 'resource_missing', param: 'starting_after' });
            events = events.slice(index + 1);
          }
          return { body: { object: 'list', data: events.slice(0, limit), has_more: events.length > limit, url: '/v1/events' } };
        },
      },
      {
        method: 'GET',
        path: '/v1/customers/:id',
        handle: (request, { state }) => {
          const customer = state.customers.get(request.params.id ?? '');
          return customer === undefined ? noSuch('customer', request.params.id ?? '', 'id') : { body: customer };
        },
      },
      {
        method: 'GET',
        path: '/v1/payment_intents/:intent',
        handle: (request, { state }) => {
          const intent = state.paymentIntents.get(request.params.intent ?? '');
          return intent === undefined ? noSuch('payment_intent', request.params.intent ?? '', 'intent') : { body: intent };
        },
      },
      {
        method: 'POST',
        path: '/v1/refunds',
        handle: idempotent((request, { state }) => {
          const params = formParams(request);
          const problem = unknownParameter(params, REFUND_CREATE_PARAMS) ?? badMetadata(params);
          if (problem !== undefined) return problem;
          const intentId = text(params.payment_intent);
          if (intentId === null) {
            return stripeError(400, 'invalid_request_error', 'One of the following params should be provided for this request: payment_intent or charge.', { code: 'parameter_missing', param: 'payment_intent' });
          }
          const intent = state.paymentIntents.get(intentId);
          if (intent === undefined) return noSuch('payment_intent', intentId, 'payment_intent', 400);
          if (intent.status !== 'succeeded') {
            return stripeError(400, 'invalid_request_error', `This PaymentIntent (${intentId}) does not have a successful charge to refund.`, { param: 'payment_intent' });
          }
          const refunded = state.refunds.all().filter((refund) => refund.payment_intent === intentId).reduce((sum, refund) => sum + refund.amount, 0);
          const remaining = intent.amount_received - refunded;
          const amount = params.amount === undefined ? remaining : Number(params.amount);
          if (!Number.isInteger(amount) || amount < 1) {
            return stripeError(400, 'invalid_request_error', `Invalid positive integer`, { code: 'parameter_invalid_integer', param: 'amount' });
          }
          if (amount > remaining) {
            return stripeError(400, 'invalid_request_error', `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, { code: 'amount_too_large', param: 'amount' });
          }
          const reason = text(params.reason);
          if (reason !== null && !(REFUND_REASONS as readonly string[]).includes(reason)) {
            return stripeError(400, 'invalid_request_error', `Invalid reason: must be one of ${REFUND_REASONS.join(', ')}`, { param: 'reason' });
          }
          const refund = state.refunds.insert({
            id: state.nextId('re'),
            object: 'refund',
            amount,
            currency: intent.currency,
            charge: intent.latest_charge,
            payment_intent: intent.id,
            status: 'succeeded',
            reason,
            created: seconds(),
            metadata: metadataOf(params),
            balance_transaction: state.nextId('txn'),
          });
          recordEvent(state, 'charge.refunded', refund, seconds());
          return { body: refund };
        }),
      },
    ],
    webhooks: {
      sign: (rawBody, nowMs) => {
        const timestamp = Math.floor(nowMs / 1000);
        const signature = createHmac('sha256', webhookSecret).update(`${timestamp}.${rawBody}`).digest('hex');
        return { 'stripe-signature': `t=${timestamp},v1=${signature}` };
      },
      event: (type, { state }, data) => {
        switch (type) {
          case 'payment_intent.succeeded': {
            const given = typeof data === 'object' && data !== null ? (data as { payment_intent?: unknown }).payment_intent : undefined;
            const intent = typeof given === 'string' ? state.paymentIntents.get(given) : undefined;
            if (typeof given === 'string' && intent === undefined) throw new Error(ERROR_MESSAGES.noSuch('payment_intent', given));
            return recordEvent(state, type, intent ?? newSucceededIntent(state, seconds()), seconds());
          }
          case 'customer.created': {
            const customer = state.customers.insert(newCustomer(state.nextId('cus'), seconds(), { email: 'new.customer@example.com', name: 'New Customer' }));
            return recordEvent(state, type, customer, seconds());
          }
        }
        throw new Error(`the Stripe sandbox builds ${STRIPE_EVENT_TYPES.join(' and ')} events, not ${type}`);
      },
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { secretKey, webhookSecret });

  /**
   * Stripe's idempotency: a repeated key with the same parameters gets the first response again
   * (with Idempotent-Replayed: true); with other parameters, a 400 idempotency_error. Only
   * requests that ran are saved, so a refused one (a 400 on its parameters) can be retried.
   */
  function idempotent(
    handle: (request: SandboxRequest, context: { state: StripeState }) => SandboxResponse,
  ): (request: SandboxRequest, context: { state: StripeState }) => SandboxResponse {
    return (request, context) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return handle(request, context);
      const fingerprint = `${request.method} ${request.path} ${canonicalJson(request.body ?? {})}`;
      const saved = context.state.idempotency.get(key);
      if (saved !== undefined) {
        if (saved.fingerprint !== fingerprint) return stripeError(400, 'idempotency_error', ERROR_MESSAGES.idempotencyMismatch(key));
        return { ...saved.response, headers: { ...saved.response.headers, 'idempotent-replayed': 'true', 'original-request': saved.requestId } };
      }
      const response = handle(request, context);
      if ((response.status ?? 200) < 400) context.state.idempotency.set(key, { fingerprint, requestId: requestId(request), response });
      return response;
    };
  }
}

function seedState(): StripeState {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}_Sbx${(++counter).toString(36).padStart(11, '0')}`;
  const customers = createCollection<StripeCustomer>();
  for (let index = 0; index < SEED_CUSTOMER_COUNT; index++) {
    const name = seedCustomerName(index);
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
    customers.insert(newCustomer(nextId('cus'), SEED_EPOCH_SECONDS + index * 3600, { name, email, metadata: { seed: String(index + 1) } }));
  }
  const seeded = customers.all();
  const paymentIntents = createCollection<StripePaymentIntent>(
    SEED_PAYMENT_INTENTS.map((seed, index) => {
      const isPaid = seed.status === 'succeeded';
      return {
        id: seed.id,
        object: 'payment_intent' as const,
        amount: seed.amount,
        amount_received: isPaid ? seed.amount : 0,
        currency: seed.currency,
        status: seed.status,
        customer: seeded[seed.customerIndex]?.id ?? null,
        description: seed.description,
        latest_charge: isPaid ? seed.id.replace(/^pi_/, 'ch_') : null,
        created: SEED_EPOCH_SECONDS + 86_400 + index * 60,
        metadata: {},
        livemode: false as const,
        capture_method: 'automatic' as const,
        confirmation_method: 'automatic' as const,
        payment_method_types: ['card'],
      };
    }),
  );
  return {
    customers,
    paymentIntents,
    refunds: createCollection<StripeRefund>(),
    events: createCollection<StripeEvent>(),
    idempotency: new Map(),
    nextId,
  };
}

function newCustomer(
  id: string,
  created: number,
  fields: { email?: string | null; name?: string | null; description?: string | null; phone?: string | null; metadata?: Metadata },
): StripeCustomer {
  return {
    id,
    object: 'customer',
    created,
    email: fields.email ?? null,
    name: fields.name ?? null,
    description: fields.description ?? null,
    phone: fields.phone ?? null,
    metadata: fields.metadata ?? {},
    livemode: false,
    balance: 0,
    currency: null,
    delinquent: false,
    invoice_prefix: id.slice(-8).toUpperCase(),
  };
}

function newSucceededIntent(state: StripeState, created: number): StripePaymentIntent {
  const customer = state.customers.all()[0]?.id ?? null;
  return state.paymentIntents.insert({
    id: state.nextId('pi'),
    object: 'payment_intent',
    amount: 3200,
    amount_received: 3200,
    currency: 'eur',
    status: 'succeeded',
    customer,
    description: null,
    latest_charge: state.nextId('ch'),
    created,
    metadata: {},
    livemode: false,
    capture_method: 'automatic',
    confirmation_method: 'automatic',
    payment_method_types: ['card'],
  });
}

function recordEvent(state: StripeState, type: string, object: unknown, created: number): StripeEvent {
  return state.events.insert({
    id: state.nextId('evt'),
    object: 'event',
    api_version: STRIPE_API_VERSION,
    created,
    // A snapshot: later changes to the record must not rewrite an event already sent.
    data: { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

/** Bearer <key>, or Basic with the key as the user name and no password. */
function apiKeyFrom(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const [scheme = '', value = ''] = authorization.trim().split(/\s+/, 2);
  if (scheme.toLowerCase() === 'bearer') return value || undefined;
  if (scheme.toLowerCase() === 'basic') return Buffer.from(value, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

function stripeError(status: number, type: StripeErrorType, message: string, extra: { code?: string; param?: string } = {}): SandboxResponse {
  return { status, body: { error: { type, message, ...extra } } };
}

function noSuch(what: string, id: string, param: string, status = 404): SandboxResponse {
  return stripeError(status, 'invalid_request_error', ERROR_MESSAGES.noSuch(what, id), { code: 'resource_missing', param });
}

function formParams(request: SandboxRequest): Record<string, unknown> {
  return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
}

function unknownParameter(params: Record<string, unknown>, known: readonly string[]): SandboxResponse | undefined {
  const unknown = Object.keys(params).find((name) => !known.includes(name));
  return unknown === undefined
    ? undefined
    : stripeError(400, 'invalid_request_error', ERROR_MESSAGES.unknownParameter(unknown), { code: 'parameter_unknown', param: unknown });
}

function tooLong(params: Record<string, unknown>, limits: Record<string, number>): SandboxResponse | undefined {
  for (const [name, max] of Object.entries(limits)) {
    const value = params[name];
    if (typeof value === 'string' && value.length > max) {
      return stripeError(400, 'invalid_request_error', `Invalid string: ${name} must be at most ${max} characters`, { code: 'string_length', param: name });
    }
  }
  return undefined;
}

function badMetadata(params: Record<string, unknown>): SandboxResponse | undefined {
  const { metadata } = params;
  // `metadata=` (empty) is how Stripe clears metadata; anything else must be key-value pairs.
  if (metadata === undefined || metadata === '') return undefined;
  const isPairs = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) && Object.values(metadata).every((value) => typeof value === 'string');
  return isPairs ? undefined : stripeError(400, 'invalid_request_error', 'Invalid metadata: must be key-value pairs', { param: 'metadata' });
}

function metadataOf(params: Record<string, unknown>): Metadata {
  return typeof params.metadata === 'object' && params.metadata !== null ? (params.metadata as Metadata) : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
