import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  buildSchema,
  executeSync,
  getOperationAST,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
} from 'graphql';
import { createSandbox, type RunningSandbox, type SandboxResponse } from '@weft/sdk/testing';
import { ADMIN_SCHEMA_SDL } from './admin-schema.ts';
import { actualQueryCost, requestedQueryCost } from './query-cost.ts';
import { createRootValue, refundedQuantity } from './sandbox-resolvers.ts';
import { money, placeOrder, seedShop, toCents, type ShopOrder, type ShopState } from './sandbox-shop.ts';
import {
  ERROR_MESSAGES,
  GRAPHQL_PATH,
  SANDBOX_ACCESS_TOKEN,
  SANDBOX_SHOP_DOMAIN,
  SANDBOX_WEBHOOK_SECRET,
  SHOPIFY_API_VERSION,
  SHOPIFY_WEBHOOK_TOPICS,
  SINGLE_QUERY_MAX_COST,
  STANDARD_THROTTLE,
  type ShopifyWebhookTopic,
} from './shopify.fixtures.ts';
import { orderPayload, refundPayload } from './webhook-payloads.ts';

/**
 * A stateful fake of Shopify's Admin GraphQL API (2025-01): documents are parsed and validated
 * with graphql-js against the subset of the real schema in admin-schema.ts and executed against
 * an in-memory shop. Like Shopify it answers 200 with `errors` for bad queries and throttling,
 * reports every query's cost and the leaky bucket's level in `extensions.cost`, refuses a bad
 * `X-Shopify-Access-Token` with 401, and signs webhooks with `X-Shopify-Hmac-Sha256`.
 */

export type { ShopState } from './sandbox-shop.ts';

export interface ShopifySandbox extends RunningSandbox<ShopState> {
  accessToken: string;
  webhookSecret: string;
  shopDomain: string;
  /** The GraphQL endpoint's path; the connection's base URL is the sandbox's url. */
  graphqlPath: string;
}

export interface ShopifySandboxOptions {
  port?: number;
  host?: string;
  accessToken?: string;
  webhookSecret?: string;
  /** The cost bucket; default a standard plan's 1000 points, restored at 50 a second. */
  throttle?: { maximumAvailable?: number; restoreRate?: number };
  now?: () => number;
  random?: () => number;
}

interface DeliveryHeaders {
  topic: ShopifyWebhookTopic;
  webhookId: string;
  eventId: string;
  triggeredAt: string;
}

export async function startShopifySandbox(options: ShopifySandboxOptions = {}): Promise<ShopifySandbox> {
  const accessToken = options.accessToken ?? SANDBOX_ACCESS_TOKEN;
  const webhookSecret = options.webhookSecret ?? SANDBOX_WEBHOOK_SECRET;
  const maximumAvailable = options.throttle?.maximumAvailable ?? STANDARD_THROTTLE.maximumAvailable;
  const restoreRate = options.throttle?.restoreRate ?? STANDARD_THROTTLE.restoreRate;
  const now = options.now ?? Date.now;
  const schema = buildSchema(ADMIN_SCHEMA_SDL);
  // By raw body: what a delivery of that body is, so a redelivery carries the same webhook id.
  const deliveries = new Map<string, DeliveryHeaders>();

  const sandbox = createSandbox<ShopState>({
    name: 'shopify',
    seed: () => seedShop(now(), maximumAvailable),
    now,
    ...(options.random === undefined ? {} : { random: options.random }),
    headers: () => ({ 'x-request-id': randomUUID(), 'x-shopify-api-version': SHOPIFY_API_VERSION }),
    authenticate: (request) => (request.headers['x-shopify-access-token'] === accessToken ? undefined : { status: 401, body: { errors: ERROR_MESSAGES.invalidToken } }),
    errorResponse: (failure) => {
      switch (failure.kind) {
        case 'rate-limited':
          return { status: 429, body: { errors: ERROR_MESSAGES.tooManyRequests } };
        case 'unknown-route':
          return { status: 404, body: { errors: ERROR_MESSAGES.notFound } };
        case 'bad-body':
          return { status: failure.status, body: { errors: failure.message } };
        case 'unavailable':
        case 'injected':
          if (failure.status === 401) return { status: 401, body: { errors: ERROR_MESSAGES.invalidToken } };
          if (failure.status === 404) return { status: 404, body: { errors: ERROR_MESSAGES.notFound } };
          if (failure.status === 503) return { status: 503, body: { errors: ERROR_MESSAGES.unavailable } };
          if (failure.status >= 500) return { status: failure.status, body: { errors: ERROR_MESSAGES.internal } };
          return { status: failure.status, body: { errors: failure.message } };
      }
    },
    routes: [
      {
        method: 'POST',
        path: GRAPHQL_PATH,
        handle: (request, { state }) => executeAdminGraphql(request.body, state, now()),
      },
    ],
    webhooks: {
      sign: (rawBody, nowMs) => {
        const delivery = deliveries.get(rawBody) ?? unrecordedDelivery(rawBody, nowMs);
        return {
          'x-shopify-topic': delivery.topic,
          'x-shopify-hmac-sha256': createHmac('sha256', webhookSecret).update(rawBody, 'utf8').digest('base64'),
          'x-shopify-shop-domain': SANDBOX_SHOP_DOMAIN,
          'x-shopify-api-version': SHOPIFY_API_VERSION,
          'x-shopify-webhook-id': delivery.webhookId,
          'x-shopify-event-id': delivery.eventId,
          'x-shopify-triggered-at': delivery.triggeredAt,
        };
      },
      event: (type, { state }, data) => {
        if (!(SHOPIFY_WEBHOOK_TOPICS as readonly string[]).includes(type)) {
          throw new Error(`the Shopify sandbox sends ${SHOPIFY_WEBHOOK_TOPICS.join(', ')} webhooks, not ${type}`);
        }
        const topic = type as ShopifyWebhookTopic;
        const payload = buildEvent(state, topic, data, now());
        deliveries.set(JSON.stringify(payload), { topic, webhookId: randomUUID(), eventId: randomUUID(), triggeredAt: new Date(now()).toISOString() });
        return payload;
      },
    },
  });

  const running = await sandbox.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return Object.assign(running, { accessToken, webhookSecret, shopDomain: SANDBOX_SHOP_DOMAIN, graphqlPath: GRAPHQL_PATH });

  function executeAdminGraphql(body: unknown, state: ShopState, nowMs: number): SandboxResponse {
    const { query, variables = {}, operationName } = (typeof body === 'object' && body !== null ? body : {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
    if (typeof query !== 'string' || query.trim() === '') return { status: 400, body: { errors: { query: 'Required parameter missing or invalid' } } };
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return { status: 400, body: { errors: { variables: 'Invalid variables' } } };

    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { body: { errors: [shopifyError(error as GraphQLError)] } };
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return { body: { errors: invalid.map(shopifyError) } };
    const operation = getOperationAST(document, typeof operationName === 'string' ? operationName : undefined);
    if (operation === null || operation === undefined) return { body: { errors: [{ message: 'An operation name is required when the document holds several operations' }] } };

    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    const costInput = { schema, operation, fragments, variables: variables as Record<string, unknown> };
    const requested = requestedQueryCost(costInput);

    // The bucket leaks back `restoreRate` points a second up to its size, whatever happened meanwhile.
    const bucket = state.throttle;
    bucket.available = Math.min(maximumAvailable, bucket.available + ((nowMs - bucket.atMs) / 1000) * restoreRate);
    bucket.atMs = nowMs;
    const cost = (actual: number | null) => ({
      cost: {
        requestedQueryCost: requested,
        actualQueryCost: actual,
        throttleStatus: { maximumAvailable, currentlyAvailable: Math.floor(bucket.available), restoreRate },
      },
    });

    if (requested > SINGLE_QUERY_MAX_COST) {
      return { body: { errors: [{ message: ERROR_MESSAGES.maxCost(requested), extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: SINGLE_QUERY_MAX_COST } }], extensions: cost(null) } };
    }
    if (requested > bucket.available) {
      return {
        body: {
          errors: [{ message: ERROR_MESSAGES.throttled, extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
          extensions: cost(null),
        },
      };
    }
    bucket.available -= requested;
    const result = executeSync({
      schema,
      document,
      operationName: operation.name?.value,
      rootValue: createRootValue(state, nowMs),
      variableValues: variables as Record<string, unknown>,
    });
    // Shopify charges what the query turned out to cost and refunds the rest of its plan.
    const actual = result.data === undefined ? 0 : actualQueryCost(costInput, result.data);
    bucket.available = Math.min(maximumAvailable, bucket.available + requested - actual);
    return {
      body: {
        ...(result.errors === undefined ? {} : { errors: result.errors.map(shopifyError) }),
        ...(result.data === undefined ? {} : { data: result.data }),
        extensions: cost(actual),
      },
    };
  }
}

/** graphql-js's wording turned into Shopify's (graphql-ruby's) for the errors a connector is most likely to hit. */
function shopifyError(error: GraphQLError): Record<string, unknown> {
  const json: Record<string, unknown> = { ...error.toJSON() };
  const undefinedField = /^Cannot query field "(\w+)" on type "(\w+)"\./.exec(error.message);
  if (undefinedField !== null) {
    const [, fieldName, typeName] = undefinedField;
    return { ...json, message: ERROR_MESSAGES.undefinedField(fieldName!, typeName!), extensions: { code: 'undefinedField', typeName, fieldName } };
  }
  const unknownArgument = /^Unknown argument "(\w+)" on field "\w+\.(\w+)"\./.exec(error.message);
  if (unknownArgument !== null) {
    const [, argumentName, name] = unknownArgument;
    return { ...json, message: `Field '${name}' doesn't accept argument '${argumentName}'`, extensions: { code: 'argumentNotAccepted', name, typeName: 'Field', argumentName } };
  }
  return json;
}

function buildEvent(state: ShopState, topic: ShopifyWebhookTopic, data: unknown, nowMs: number): Record<string, unknown> {
  // `{ order }` names an existing order; `{ skus }` places a new one of those products.
  const given = typeof data === 'object' && data !== null ? (data as { order?: unknown }).order : undefined;
  const skus = typeof data === 'object' && data !== null ? (data as { skus?: unknown }).skus : undefined;
  if (skus !== undefined && (!Array.isArray(skus) || skus.length === 0 || !skus.every((sku) => typeof sku === 'string'))) {
    throw new Error('skus must be a non-empty list of SKUs');
  }
  const named = given === undefined ? undefined : findOrder(state, given);
  if (given !== undefined && named === undefined) throw new Error(`the Shopify sandbox has no order ${String(given)}`);
  const latest = (matches: (order: ShopOrder) => boolean) => named ?? state.orders.all().reverse().find(matches);
  switch (topic) {
    case 'orders/create':
      return orderPayload(state, named ?? placeOrder(state, nowMs, state.orders.size, skus as string[] | undefined));
    case 'orders/updated': {
      const order = latest(() => true)!;
      // Each update is a new version of the order, a second later at least, as Shopify stamps it.
      const updated = state.orders.update(order.id, { updatedAt: Math.max(nowMs, order.updatedAt + 1000) })!;
      return orderPayload(state, updated);
    }
    case 'orders/cancelled': {
      const order = latest((candidate) => candidate.cancelledAt === null);
      if (order === undefined || order.cancelledAt !== null) throw new Error('the Shopify sandbox has no order left to cancel');
      const cancelledAt = Math.max(nowMs, order.updatedAt + 1000);
      for (const fo of state.fulfillmentOrders.all()) {
        if (fo.orderId === order.id && fo.status === 'OPEN') state.fulfillmentOrders.update(fo.id, { status: 'CANCELLED', updatedAt: cancelledAt });
      }
      return orderPayload(state, state.orders.update(order.id, { cancelledAt, cancelReason: 'CUSTOMER', updatedAt: cancelledAt })!);
    }
    case 'refunds/create': {
      const order = latest((candidate) => candidate.financialStatus !== 'REFUNDED' && candidate.cancelledAt === null);
      const line = order?.lineItems.find((item) => refundedQuantity(state, item.id) < item.quantity);
      if (order === undefined || line === undefined) throw new Error('the Shopify sandbox has no order left to refund');
      const refund = state.refunds.insert({
        ...state.nextId('Refund'),
        orderId: order.id,
        lines: [{ lineItemId: line.id, quantity: 1 }],
        amount: money(toCents(line.price)),
        note: 'Refunded in the Weft sandbox',
        createdAt: nowMs,
      });
      const isAllRefunded = order.lineItems.every((item) => refundedQuantity(state, item.id) >= item.quantity);
      state.orders.update(order.id, { financialStatus: isAllRefunded ? 'REFUNDED' : 'PARTIALLY_REFUNDED', updatedAt: Math.max(nowMs, order.updatedAt + 1000) });
      return refundPayload(state, refund);
    }
  }
}

function findOrder(state: ShopState, reference: unknown): ShopOrder | undefined {
  if (typeof reference === 'string' && reference.startsWith('gid://')) return state.orders.get(reference);
  const legacyId = Number(reference);
  return state.orders.all().find((order) => order.legacyResourceId === legacyId);
}

/**
 * A body the sandbox did not build (sent as is through `send` or the control endpoint): its topic
 * read from its shape, its webhook id from its bytes, so a redelivery still carries the same id.
 */
function unrecordedDelivery(rawBody: string, nowMs: number): DeliveryHeaders {
  const body = safeJson(rawBody);
  const topic: ShopifyWebhookTopic =
    'refund_line_items' in body ? 'refunds/create' : typeof body.cancelled_at === 'string' ? 'orders/cancelled' : 'orders/create';
  const hash = createHash('sha256').update(rawBody).digest('hex');
  const uuid = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-4${hash.slice(13, 16)}-a${hash.slice(17, 20)}-${hash.slice(20, 32)}`;
  return { topic, webhookId: uuid, eventId: uuid, triggeredAt: new Date(nowMs).toISOString() };
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

