import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { buildClientSchema, buildSchema, isEnumType, isInputObjectType, isNonNullType, isObjectType, parse, validate, type GraphQLSchema } from 'graphql';
import { NotFoundError, PermanentError, RateLimitedError, ValidationError, type Action, type DeclarativeAction } from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, verifyWebhookSignature, type TestHttpClient, startWebhookReceiver } from '@weft/sdk/testing';
import { ADMIN_SCHEMA_SDL } from './admin-schema.ts';
import { createCustomer } from './create-customer.action.ts';
import { createFulfillment } from './create-fulfillment.action.ts';
import { getCustomer } from './get-customer.action.ts';
import { getFulfillmentOrders } from './get-fulfillment-orders.action.ts';
import { getOrder } from './get-order.action.ts';
import { listOrders } from './list-orders.action.ts';
import { listVariantsBySku } from './list-variants-by-sku.action.ts';
import { seedShop } from './sandbox-shop.ts';
import { setInventoryQuantities } from './set-inventory-quantities.action.ts';
import { updateCustomer } from './update-customer.action.ts';
import { shopify } from './shopify.connector.ts';
import { GRAPHQL_PATH, SEED_EPOCH_MS, SEED_LOCATION, SEED_ORDER_COUNT } from './shopify.fixtures.ts';
import { startShopifySandbox, type ShopifySandbox } from './shopify.sandbox.ts';

// The seed is deterministic, so the ids the sandbox starts with are known before it listens.
const seeded = seedShop(SEED_EPOCH_MS);
const firstOrder = seeded.orders.all()[0]!;
const firstCustomer = seeded.customers.all()[0]!;
const firstFulfillmentOrder = seeded.fulfillmentOrders.all()[0]!;
const mug = seeded.variants.all().find((variant) => variant.sku === 'WEFT-MUG')!;

const ADMIN_SPEC = new URL('../../../../../shared/specs/shopify/data/admin_schema_2025-01.json.gz', import.meta.url);
const hasAdminSpec = existsSync(ADMIN_SPEC);

const connectionOf = (sandbox: { url: string; accessToken: string }) => ({
  config: { shop: 'weft-sandbox', baseUrl: sandbox.url },
  credentials: { apiKey: sandbox.accessToken },
});

const samples = {
  'get-order': {
    input: { id: firstOrder.id },
    expect: (output: unknown) => {
      const order = output as { name: string; lineItems: { sku: string }[] };
      assert.equal(order.name, '#1001');
      assert.deepEqual(order.lineItems.map((line) => line.sku), firstOrder.lineItems.map((line) => line.sku));
    },
  },
  'list-orders': {
    input: { pageSize: 10 },
    requests: 3,
    expect: (output: unknown) => {
      const ids = (output as { orders: { id: string }[] }).orders.map((order) => order.id);
      assert.equal(new Set(ids).size, SEED_ORDER_COUNT);
    },
  },
  'get-customer': { input: { id: firstCustomer.id } },
  'create-customer': {
    input: { email: 'jane@example.com', firstName: 'Jane', lastName: 'Doe', tags: ['weft'] },
    expect: (output: unknown) => assert.equal((output as { displayName: string }).displayName, 'Jane Doe'),
  },
  'update-customer': {
    input: { id: firstCustomer.id, note: 'Prefers email' },
    expect: (output: unknown) => assert.equal((output as { note: string }).note, 'Prefers email'),
  },
  'list-variants-by-sku': {
    input: { skus: ['WEFT-TEE-S', 'WEFT-TEE-M', 'WEFT-MUG'], pageSize: 2 },
    requests: 2,
    expect: (output: unknown) =>
      assert.deepEqual((output as { variants: { sku: string }[] }).variants.map((variant) => variant.sku).sort(), ['WEFT-MUG', 'WEFT-TEE-M', 'WEFT-TEE-S']),
  },
  'set-inventory-quantities': {
    input: { reason: 'correction' as const, quantities: [{ inventoryItemId: mug.inventoryItemId, locationId: SEED_LOCATION.id, quantity: 33 }] },
  },
  'get-fulfillment-orders': { input: { orderId: firstOrder.id } },
  'create-fulfillment': {
    input: { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: firstFulfillmentOrder.id }], trackingInfo: { company: 'FedEx', number: '794644790132' } },
  },
};

connectorContract({
  connector: shopify,
  startSandbox: () => startShopifySandbox(),
  connection: (sandbox) => connectionOf(sandbox as ShopifySandbox),
  probeAction: 'get-order',
  samples,
  triggers: {
    'orders-create': { type: 'orders/create' },
    'orders-updated': { type: 'orders/updated' },
    'orders-cancelled': { type: 'orders/cancelled' },
    'refunds-create': { type: 'refunds/create' },
  },
});

describe('shopify GraphQL documents', () => {
  const documents = shopify.actions.map((action) => {
    const sample = samples[action.id as keyof typeof samples];
    const body = declared(action).request(sample.input as never).body as { query: string };
    return { id: action.id, document: parse(body.query) };
  });

  it('are valid against the sandbox\'s schema', () => {
    const schema = buildSchema(ADMIN_SCHEMA_SDL);
    for (const { id, document } of documents) assert.deepEqual(validate(schema, document).map(String), [], id);
  });

  it('are valid against Shopify\'s 2025-01 Admin schema', { skip: !hasAdminSpec && 'the Shopify spec file is not on this machine' }, () => {
    const schema = loadAdminSpec();
    for (const { id, document } of documents) assert.deepEqual(validate(schema, document).map(String), [], id);
  });

  it('the sandbox\'s schema is a faithful subset of Shopify\'s: same types, fields, arguments and enum values', { skip: !hasAdminSpec && 'the Shopify spec file is not on this machine' }, () => {
    assert.deepEqual(subsetProblems(buildSchema(ADMIN_SCHEMA_SDL), loadAdminSpec()), []);
  });
});

describe('shopify actions against the Shopify sandbox', () => {
  let sandbox: ShopifySandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startShopifySandbox();
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { 'x-shopify-access-token': sandbox.accessToken } });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('posts JSON to the versioned GraphQL endpoint with the access token header', async () => {
    await runAction(getOrder, { id: firstOrder.id }, { http });
    const [request] = sandbox.requests();
    assert.equal(request?.path, '/admin/api/2025-01/graphql.json');
    assert.match(request?.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(request?.headers['x-shopify-access-token'], sandbox.accessToken);
    assert.deepEqual((request?.body as { variables: unknown }).variables, { id: firstOrder.id });
  });

  it('maps an order id Shopify does not have (data.order null) to NotFoundError', async () => {
    const error = await runAction(getOrder, { id: 'gid://shopify/Order/1' }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    const fulfillmentOrders = await runAction(getFulfillmentOrders, { orderId: 'gid://shopify/Order/1' }, { http }).catch((e: unknown) => e);
    assert.ok(fulfillmentOrders instanceof NotFoundError);
    const customer = await runAction(getCustomer, { id: 'gid://shopify/Customer/1' }, { http }).catch((e: unknown) => e);
    assert.ok(customer instanceof NotFoundError);
  });

  it('lists only orders updated within the window, oldest update first, across pages', async () => {
    const from = new Date(SEED_EPOCH_MS + 5 * 3_600_000).toISOString();
    const to = new Date(SEED_EPOCH_MS + 16 * 3_600_000).toISOString();
    const { orders } = await runAction(listOrders, { updatedAtMin: from, updatedAtMax: to, pageSize: 4 }, { http });
    assert.equal(orders.length, 12);
    assert.ok(orders.every((order) => order.updatedAt >= from.replace('.000', '') && order.updatedAt <= to.replace('.000', '')));
    assert.deepEqual(orders.map((order) => order.updatedAt), [...orders.map((order) => order.updatedAt)].sort());
    assert.equal(sandbox.requests().length, 3);
    const [, second] = sandbox.requests();
    assert.match(String((second?.body as { variables: { after?: string } }).variables.after), /^[A-Za-z0-9+/=]+$/);
  });

  it('creates a customer, refuses a second with the same email as a ValidationError naming the field', async () => {
    const created = await runAction(createCustomer, { email: 'jane@example.com', firstName: 'Jane' }, { http });
    assert.match(created.id, /^gid:\/\/shopify\/Customer\/\d+$/);
    const again = await runAction(createCustomer, { email: 'JANE@example.com' }, { http }).catch((e: unknown) => e);
    assert.ok(again instanceof ValidationError, String(again));
    assert.match(again.message, /email: Email has already been taken/);
    const found = await runAction(getCustomer, { id: created.id }, { http });
    assert.equal(found.email, 'jane@example.com');
  });

  it('updates only the fields given, and names `id` when the customer does not exist', async () => {
    const updated = await runAction(updateCustomer, { id: firstCustomer.id, tags: ['vip', 'wholesale'] }, { http });
    assert.deepEqual(updated.tags, ['vip', 'wholesale']);
    assert.equal(updated.email, firstCustomer.email);
    const missing = await runAction(updateCustomer, { id: 'gid://shopify/Customer/1', note: 'x' }, { http }).catch((e: unknown) => e);
    assert.ok(missing instanceof ValidationError);
    assert.match(missing.message, /id: Customer does not exist/);
  });

  it('finds variants by SKU with the inventory item to set, and leaves unknown SKUs out', async () => {
    const { variants } = await runAction(listVariantsBySku, { skus: ['WEFT-CAP-RED', 'NO-SUCH-SKU'] }, { http });
    assert.equal(variants.length, 1);
    assert.equal(variants[0]?.product.title, 'Weft cap');
    assert.equal(variants[0]?.inventoryQuantity, 7);
    assert.match(variants[0]?.inventoryItem.id ?? '', /^gid:\/\/shopify\/InventoryItem\//);
  });

  it('sets absolute quantities: sending the same quantities twice leaves the stock as the first did', async () => {
    const input = { reason: 'correction' as const, referenceDocumentUri: 'gid://weft/InventorySync/1', quantities: [{ inventoryItemId: mug.inventoryItemId, locationId: SEED_LOCATION.id, quantity: 80 }] };
    const first = await runAction(setInventoryQuantities, input, { http });
    assert.deepEqual(first.changes.find((change) => change.name === 'available'), {
      name: 'available',
      delta: -20,
      quantityAfterChange: 80,
      item: { id: mug.inventoryItemId, sku: 'WEFT-MUG' },
      location: { id: SEED_LOCATION.id },
    });
    const second = await runAction(setInventoryQuantities, input, { http });
    assert.equal(second.changes.find((change) => change.name === 'available')?.delta, 0);
    const { variants } = await runAction(listVariantsBySku, { skus: ['WEFT-MUG'] }, { http });
    assert.equal(variants[0]?.inventoryQuantity, 80);
    const sent = sandbox.requests()[0]?.body as { variables: { input: Record<string, unknown> } };
    assert.equal(sent.variables.input.ignoreCompareQuantity, true);
    assert.equal(sent.variables.input.name, 'available');
  });

  it('refuses an unknown inventory item with a ValidationError naming the quantity', async () => {
    const error = await runAction(
      setInventoryQuantities,
      { quantities: [{ inventoryItemId: 'gid://shopify/InventoryItem/1', locationId: SEED_LOCATION.id, quantity: 1 }] },
      { http },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /input\.quantities\.0\.inventoryItemId: The specified inventory item could not be found/);
  });

  it('fulfills an order\'s fulfillment order with tracking, then refuses to fulfill it again', async () => {
    const { fulfillmentOrders } = await runAction(getFulfillmentOrders, { orderId: firstOrder.id }, { http });
    assert.equal(fulfillmentOrders.length, 1);
    const [open] = fulfillmentOrders;
    assert.equal(open?.status, 'OPEN');
    assert.deepEqual(open?.lineItems.map((line) => line.remainingQuantity), firstOrder.lineItems.map((line) => line.quantity));
    const input = { lineItemsByFulfillmentOrder: [{ fulfillmentOrderId: open!.id }], trackingInfo: { company: 'FedEx', number: '794644790132', url: 'https://www.fedex.com/fedextrack/?trknbr=794644790132' } };
    const fulfillment = await runAction(createFulfillment, input, { http });
    assert.equal(fulfillment.status, 'SUCCESS');
    assert.equal(fulfillment.name, '#1001-F1');
    assert.deepEqual(fulfillment.trackingInfo, [{ company: 'FedEx', number: '794644790132', url: input.trackingInfo.url }]);
    assert.equal(fulfillment.totalQuantity, firstOrder.lineItems.reduce((sum, line) => sum + line.quantity, 0));
    const after = await runAction(getFulfillmentOrders, { orderId: firstOrder.id }, { http });
    assert.equal(after.fulfillmentOrders[0]?.status, 'CLOSED');
    const order = await runAction(getOrder, { id: firstOrder.id }, { http });
    assert.equal(order.displayFulfillmentStatus, 'FULFILLED');
    const again = await runAction(createFulfillment, input, { http }).catch((e: unknown) => e);
    assert.ok(again instanceof ValidationError);
    assert.match(again.message, /unfulfillable status= closed/);
    assert.equal(sandbox.state().fulfillments.size, 1);
  });

  it('answers a field Shopify does not have with a 200 GraphQL error like Shopify\'s, which is a permanent error', async () => {
    const response = await http.request({ method: 'POST', path: GRAPHQL_PATH, body: { query: '{ order(id: "gid://shopify/Order/1") { id colour } }' } });
    assert.equal(response.status, 200);
    const { errors } = response.body as { errors: { message: string; extensions: { code: string } }[] };
    assert.equal(errors[0]?.message, "Field 'colour' doesn't exist on type 'Order'");
    assert.equal(errors[0]?.extensions.code, 'undefinedField');
    const asAction = await runAction(
      { ...declared(getOrder), request: () => ({ method: 'POST', path: GRAPHQL_PATH, body: { query: '{ order(id: "x") { colour } }' } }) } as typeof getOrder,
      { id: firstOrder.id },
      { http },
    ).catch((e: unknown) => e);
    assert.ok(asAction instanceof PermanentError && !(asAction instanceof ValidationError), String(asAction));
  });

  it('refuses a bad token with 401 and Shopify\'s error string', async () => {
    const response = await fetch(`${sandbox.url}${GRAPHQL_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shopify-access-token': 'shpat_wrong' },
      body: JSON.stringify({ query: '{ shop { name } }' }),
    });
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
  });

  it('reports the cost of every query in extensions.cost, charging what it actually cost', async () => {
    const response = await http.request(declared(getOrder).request({ id: firstOrder.id }));
    const { cost } = (response.body as { extensions: { cost: { requestedQueryCost: number; actualQueryCost: number; throttleStatus: Record<string, number> } } }).extensions;
    // 1 order + 3 total + 1 customer + 3 subtotal + 1 address + lines (2 + 50 × 5).
    assert.equal(cost.requestedQueryCost, 261);
    assert.equal(cost.actualQueryCost, 11 + firstOrder.lineItems.length * 5);
    assert.deepEqual(cost.throttleStatus, { maximumAvailable: 1000, currentlyAvailable: 1000 - cost.actualQueryCost, restoreRate: 50 });
  });

  it('refuses a query planned to cost more than 1000 points with MAX_COST_EXCEEDED', async () => {
    const response = await http.request({ method: 'POST', path: GRAPHQL_PATH, body: { query: '{ orders(first: 250) { nodes { id lineItems(first: 250) { nodes { id } } } } }' } });
    const { errors } = response.body as { errors: { extensions: { code: string } }[] };
    assert.equal(errors[0]?.extensions.code, 'MAX_COST_EXCEEDED');
  });
});

describe('shopify throttling (the cost bucket)', () => {
  let clockMs = SEED_EPOCH_MS;
  let sandbox: ShopifySandbox;
  let http: TestHttpClient;

  before(async () => {
    // A small bucket and a clock the test moves, so waiting costs no real time.
    sandbox = await startShopifySandbox({ throttle: { maximumAvailable: 400, restoreRate: 100 }, now: () => clockMs });
    http = createTestHttpClient({ baseUrl: sandbox.url, headers: { 'x-shopify-access-token': sandbox.accessToken }, now: () => clockMs });
  });
  after(() => sandbox.close());

  it('answers THROTTLED in a 200 with the bucket in extensions.cost, as Shopify does', async () => {
    sandbox.reset();
    await runAction(listOrders, {}, { http });
    const response = await http.request({ ...declared(listOrders).request({}) }, { errors: () => undefined });
    assert.equal(response.status, 200);
    const body = response.body as { data?: unknown; errors: { message: string; extensions: { code: string } }[]; extensions: { cost: Record<string, unknown> } };
    assert.equal(body.data, undefined);
    assert.deepEqual(body.errors.map((error) => [error.message, error.extensions.code]), [['Throttled', 'THROTTLED']]);
    assert.deepEqual(body.extensions.cost, {
      requestedQueryCost: 352,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 400, currentlyAvailable: 400 - (2 + SEED_ORDER_COUNT * 7), restoreRate: 100 },
    });
    const error = await runAction(listOrders, {}, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof RateLimitedError);
    // (352 requested − 188 available) / 100 a second.
    assert.equal(error.retryAfterMs, 1640);
  });

  it('a burst of cost-heavy queries, each waiting as long as THROTTLED says, is never throttled twice in a row', async () => {
    sandbox.reset();
    let throttled = 0;
    for (let call = 0; call < 8; call++) {
      let isRetry = false;
      for (;;) {
        const result = await runAction(listOrders, {}, { http }).catch((e: unknown) => e);
        if (!(result instanceof RateLimitedError)) {
          assert.equal((result as { orders: unknown[] }).orders.length, SEED_ORDER_COUNT);
          break;
        }
        assert.equal(isRetry, false, `call ${call} was throttled again after waiting ${result.retryAfterMs} ms`);
        assert.ok(result.retryAfterMs !== undefined && result.retryAfterMs > 0);
        throttled++;
        isRetry = true;
        clockMs += result.retryAfterMs;
      }
    }
    assert.ok(throttled >= 6, `only ${throttled} of 8 calls were throttled: the burst did not exceed the bucket`);
  });

  it('refills at the restore rate: after a quiet spell the bucket is full again', async () => {
    clockMs += 10_000;
    const response = await http.request(declared(getOrder).request({ id: firstOrder.id }));
    const { throttleStatus, actualQueryCost } = (response.body as { extensions: { cost: { throttleStatus: { currentlyAvailable: number }; actualQueryCost: number } } }).extensions.cost;
    assert.equal(throttleStatus.currentlyAvailable, 400 - actualQueryCost);
  });
});

describe('shopify webhooks from the sandbox', () => {
  let sandbox: ShopifySandbox;
  let receiver: { url: string; received: { rawBody: string; headers: Record<string, string> }[]; close(): Promise<void> };

  before(async () => {
    sandbox = await startShopifySandbox();
    receiver = await startWebhookReceiver('/hooks/shopify');
  });
  after(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    sandbox.reset();
    receiver.received.splice(0);
  });

  const verify = (delivery: { rawBody: string; headers: Record<string, string> }, secret: string) =>
    verifyWebhookSignature({ signature: shopify.triggers[0]!.webhook!.signature, secret, ...delivery, nowMs: Date.now() });

  it('signs the raw body the Shopify way and sends topic, shop, API version and webhook id headers', async () => {
    await sandbox.webhooks.emit({ url: receiver.url, type: 'orders/create' });
    const [delivery] = receiver.received;
    assert.ok(delivery !== undefined);
    assert.deepEqual(verify(delivery, sandbox.webhookSecret), { ok: true });
    assert.equal(delivery.headers['x-shopify-topic'], 'orders/create');
    assert.equal(delivery.headers['x-shopify-shop-domain'], sandbox.shopDomain);
    assert.equal(delivery.headers['x-shopify-api-version'], '2025-01');
    assert.match(delivery.headers['x-shopify-webhook-id'] ?? '', /^[0-9a-f-]{36}$/);
    const body = JSON.parse(delivery.rawBody) as { admin_graphql_api_id: string; order_number: number };
    assert.equal(body.order_number, 1001 + SEED_ORDER_COUNT);
    assert.ok(sandbox.state().orders.get(body.admin_graphql_api_id), 'the webhook is about an order the API serves');
  });

  it('places an order of chosen SKUs when asked, and refuses a SKU the shop does not sell', async () => {
    await sandbox.webhooks.emit({ url: receiver.url, type: 'orders/create', data: { skus: ['WEFT-CAP-BLUE', 'WEFT-MUG'] } });
    const body = JSON.parse(receiver.received[0]!.rawBody) as { line_items: { sku: string }[] };
    assert.deepEqual(body.line_items.map((line) => line.sku), ['WEFT-CAP-BLUE', 'WEFT-MUG']);
    await assert.rejects(async () => sandbox.webhooks.emit({ url: receiver.url, type: 'orders/create', data: { skus: ['NOPE-1'] } }), /sells no variant with SKU NOPE-1/);
  });

  it('a tampered body or another secret does not verify', async () => {
    await sandbox.webhooks.emit({ url: receiver.url, type: 'orders/create' });
    const [delivery] = receiver.received;
    assert.ok(delivery !== undefined);
    const tampered = { ...delivery, rawBody: delivery.rawBody.replace('"total_price":"', '"total_price":"1') };
    assert.notEqual(tampered.rawBody, delivery.rawBody);
    assert.equal(verify(tampered, sandbox.webhookSecret).ok, false);
    assert.equal(verify(delivery, `${sandbox.webhookSecret}x`).ok, false);
  });

  it('a redelivery keeps its webhook id; distinct events get distinct ids, also sent newest first', async () => {
    await sandbox.webhooks.emit({ url: receiver.url, type: 'orders/updated', count: 2, duplicate: true, outOfOrder: true });
    const ids = receiver.received.map((delivery) => shopify.triggers[1]!.webhook!.dedupeId(delivery.headers, undefined));
    assert.equal(ids.length, 4);
    assert.equal(ids[0], ids[2]);
    assert.equal(ids[1], ids[3]);
    assert.notEqual(ids[0], ids[1]);
    const updatedAt = receiver.received.slice(0, 2).map((delivery) => (JSON.parse(delivery.rawBody) as { updated_at: string }).updated_at);
    assert.ok(updatedAt[0]! > updatedAt[1]!, 'outOfOrder sends the newer update first');
  });

  it('a cancellation or a refund changes the shop the API reads, and fits only its own trigger', async () => {
    await sandbox.webhooks.emit({ url: receiver.url, type: 'orders/cancelled', data: { order: firstOrder.id } });
    await sandbox.webhooks.emit({ url: receiver.url, type: 'refunds/create', data: { order: firstOrder.legacyResourceId } });
    assert.notEqual(sandbox.state().orders.get(firstOrder.id)?.cancelledAt, null);
    const [cancelled, refund] = receiver.received.map((delivery) => JSON.parse(delivery.rawBody) as Record<string, unknown>);
    assert.equal(cancelled?.cancel_reason, 'customer');
    assert.equal(refund?.order_id, firstOrder.legacyResourceId);
    const { Value } = await import('@sinclair/typebox/value');
    const fits = (body: unknown) => shopify.triggers.filter((trigger) => Value.Check(trigger.output, body)).map((trigger) => trigger.id);
    assert.deepEqual(fits(cancelled), ['orders-updated', 'orders-cancelled']);
    assert.deepEqual(fits(refund), ['refunds-create']);
  });
});

function declared<A extends Action>(action: A): Extract<A, DeclarativeAction> {
  assert.equal(action.kind, 'declarative');
  return action as Extract<A, DeclarativeAction>;
}

let adminSpec: GraphQLSchema | undefined;
function loadAdminSpec(): GraphQLSchema {
  adminSpec ??= buildClientSchema((JSON.parse(gunzipSync(readFileSync(ADMIN_SPEC)).toString('utf8')) as { data: never }).data);
  return adminSpec;
}

/** What the sandbox's schema has that Shopify's does not, or types differently. */
function subsetProblems(mine: GraphQLSchema, real: GraphQLSchema): string[] {
  const problems: string[] = [];
  for (const type of Object.values(mine.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    const theirs = real.getType(type.name);
    if (theirs === undefined || theirs === null) {
      problems.push(`type ${type.name}`);
      continue;
    }
    if (isEnumType(type) && isEnumType(theirs)) {
      for (const value of type.getValues()) if (!theirs.getValue(value.name)) problems.push(`enum value ${type.name}.${value.name}`);
    } else if (isObjectType(type) && isObjectType(theirs)) {
      for (const field of Object.values(type.getFields())) {
        const other = theirs.getFields()[field.name];
        if (other === undefined) {
          problems.push(`field ${type.name}.${field.name}`);
          continue;
        }
        if (String(other.type) !== String(field.type)) problems.push(`${type.name}.${field.name}: ${String(field.type)}, Shopify ${String(other.type)}`);
        for (const argument of field.args) {
          const otherArgument = other.args.find((candidate) => candidate.name === argument.name);
          if (String(otherArgument?.type) !== String(argument.type)) problems.push(`${type.name}.${field.name}(${argument.name}: ${String(argument.type)})`);
        }
        for (const otherArgument of other.args) {
          if (isNonNullType(otherArgument.type) && !field.args.some((argument) => argument.name === otherArgument.name)) {
            problems.push(`${type.name}.${field.name} lacks the required argument ${otherArgument.name}`);
          }
        }
      }
    } else if (isInputObjectType(type) && isInputObjectType(theirs)) {
      for (const field of Object.values(type.getFields())) {
        if (String(theirs.getFields()[field.name]?.type) !== String(field.type)) problems.push(`input ${type.name}.${field.name}`);
      }
      for (const other of Object.values(theirs.getFields())) {
        if (isNonNullType(other.type) && type.getFields()[other.name] === undefined) problems.push(`input ${type.name} lacks the required ${other.name}`);
      }
    } else if (type.constructor !== theirs.constructor) {
      problems.push(`${type.name} is another kind of type`);
    }
  }
  return problems;
}

