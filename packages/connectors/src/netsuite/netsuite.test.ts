import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AuthError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  type Action,
  type DeclarativeAction,
} from '@weft/sdk';
import { connectorContract, createTestHttpClient, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { addSalesOrder } from './add-sales-order.action.ts';
import { getItemFulfillment } from './get-item-fulfillment.action.ts';
import { getServerTime } from './get-server-time.action.ts';
import { getSalesOrder } from './get-sales-order.action.ts';
import { netsuite } from './netsuite.connector.ts';
import { NS, SANDBOX_CREDENTIALS, SEED_CUSTOMER, SEED_ITEMS, SEED_ITEM_FULFILLMENT, SEED_SALES_ORDER, SERVICE_PATH } from './netsuite.fixtures.ts';
import { startNetsuiteSandbox, type NetsuiteSandbox } from './netsuite.sandbox.ts';
import { tbaClient, type NetsuiteCredentials } from './netsuite.test-client.ts';
import { searchInventory } from './search-inventory.action.ts';
import { upsertCustomer } from './upsert-customer.action.ts';
import { upsertSalesOrder } from './upsert-sales-order.action.ts';

const orderInput = (externalId: string) => ({
  externalId,
  entity: { externalId: SEED_CUSTOMER.externalId },
  memo: 'Shop order',
  itemList: [
    { item: { externalId: SEED_ITEMS[0]!.externalId }, quantity: 2, rate: '19.99' },
    { item: { internalId: SEED_ITEMS[1]!.internalId }, quantity: 1, rate: '5.00' },
  ],
});

connectorContract({
  connector: netsuite,
  startSandbox: () => startNetsuiteSandbox(),
  connection: (sandbox) => ({ config: { baseUrl: sandbox.url }, credentials: { ...SANDBOX_CREDENTIALS } }),
  httpClient: ({ baseUrl, connection, timeoutMs }) =>
    tbaClient({ baseUrl, credentials: connection.credentials as NetsuiteCredentials, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
  // NetSuite answers a bad login with a SOAP fault, which SOAP 1.1 sends as HTTP 500.
  authFailureStatus: 500,
  probeAction: 'get-sales-order',
  samples: {
    'upsert-customer': { input: { externalId: 'shop-customer-42', entityId: 'Grace Hopper', isPerson: true, firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' } },
    'add-sales-order': { input: orderInput('shop-order-2001') },
    'upsert-sales-order': { input: orderInput('shop-order-2002') },
    'get-sales-order': { input: { internalId: SEED_SALES_ORDER.internalId } },
    'get-item-fulfillment': { input: { internalId: SEED_ITEM_FULFILLMENT.internalId } },
    'get-server-time': { input: {}, expect: (output) => assert.ok(Math.abs(Date.parse((output as { serverTime: string }).serverTime) - Date.now()) < 60_000) },
    'search-inventory': {
      input: { pageSize: 5 },
      requests: 3,
      expect: (output) => assert.equal((output as { items: unknown[] }).items.length, SEED_ITEMS.length),
    },
  },
});

describe('netsuite actions against the NetSuite sandbox', () => {
  let sandbox: NetsuiteSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startNetsuiteSandbox();
    http = tbaClient({ baseUrl: sandbox.url, credentials: SANDBOX_CREDENTIALS });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('posts SOAP 1.1 to the 2023.2 port with the operation as SOAPAction and one signed passport', async () => {
    await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http });
    const [request] = sandbox.requests();
    assert.equal(request?.path, SERVICE_PATH);
    assert.equal(request?.headers.soapaction, '"get"');
    assert.match(request?.headers['content-type'] ?? '', /^text\/xml/);
    assert.equal((String(request?.body).match(/tokenPassport /g) ?? []).length, 1);
  });

  it('upserts a customer twice by externalId into one record, updated', async () => {
    const before = sandbox.state().customers.size;
    const first = await runAction(upsertCustomer, { externalId: 'shop-customer-9', entityId: 'Jane Doe', email: 'jane@example.com' }, { http });
    const second = await runAction(upsertCustomer, { externalId: 'shop-customer-9', entityId: 'Jane Doe', email: 'jane.doe@example.com' }, { http });
    assert.equal(second.internalId, first.internalId);
    assert.equal(first.externalId, 'shop-customer-9');
    assert.equal(sandbox.state().customers.size, before + 1);
    assert.equal(sandbox.state().customers.get(first.internalId)?.email, 'jane.doe@example.com');
  });

  it('upserts a sales order twice by externalId into one order, then reads it back with its lines', async () => {
    const first = await runAction(upsertSalesOrder, orderInput('shop-order-3001'), { http });
    const second = await runAction(upsertSalesOrder, orderInput('shop-order-3001'), { http });
    assert.equal(second.internalId, first.internalId);
    assert.equal(sandbox.state().salesOrders.all().filter((order) => order.externalId === 'shop-order-3001').length, 1);
    const order = await runAction(getSalesOrder, { externalId: 'shop-order-3001' }, { http });
    assert.equal(order.internalId, first.internalId);
    assert.equal(order.entity?.internalId, SEED_CUSTOMER.internalId);
    assert.deepEqual(order.itemList.map((line) => [line.item.internalId, line.quantity, line.amount]), [[SEED_ITEMS[0]!.internalId, 2, 39.98], [SEED_ITEMS[1]!.internalId, 1, 5]]);
    assert.equal(order.total, 44.98);
  });

  it('refuses a second add with the same externalId as a ConflictError carrying NetSuite\'s message', async () => {
    await runAction(addSalesOrder, orderInput('shop-order-4001'), { http });
    const error = await runAction(addSalesOrder, orderInput('shop-order-4001'), { http }).catch((e: unknown) => e);
    assert.ok(error instanceof ConflictError, String(error));
    assert.match(error.message, /This record already exists\. \(DUP_RCRD\)/);
    assert.equal(sandbox.state().salesOrders.all().filter((order) => order.externalId === 'shop-order-4001').length, 1);
  });

  it('names the field of an invalid reference (INVALID_KEY_OR_REF) in a ValidationError, and writes nothing', async () => {
    const input = { ...orderInput('shop-order-5001'), itemList: [{ item: { externalId: 'SKU-UNKNOWN' }, quantity: 1 }] };
    const error = await runAction(upsertSalesOrder, input, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.match(error.message, /Invalid item reference key SKU-UNKNOWN/);
    assert.deepEqual(error.details, { code: 'INVALID_KEY_OR_REF', field: 'item' });
    assert.equal(sandbox.state().salesOrders.all().some((order) => order.externalId === 'shop-order-5001'), false);
  });

  it('maps a sales order that does not exist to NotFoundError (RCRD_DSNT_EXIST)', async () => {
    const error = await runAction(getSalesOrder, { externalId: 'no-such-order' }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.match(error.message, /That record does not exist/);
  });

  it('reads an item fulfillment with its lines and tracking numbers', async () => {
    const fulfillment = await runAction(getItemFulfillment, { internalId: SEED_ITEM_FULFILLMENT.internalId }, { http });
    assert.equal(fulfillment.shipStatus, '_shipped');
    assert.equal(fulfillment.createdFrom?.internalId, SEED_SALES_ORDER.internalId);
    assert.deepEqual(fulfillment.packageList.map((parcel) => parcel.packageTrackingNumber), [SEED_ITEM_FULFILLMENT.trackingNumber]);
    assert.deepEqual(fulfillment.itemList.map((line) => [line.item.internalId, line.quantity, line.location?.internalId]), [[SEED_SALES_ORDER.itemInternalId, 2, '1']]);
  });

  it('searches inventory page by page with searchMoreWithId, quantities per location', async () => {
    const result = await runAction(searchInventory, { pageSize: 5 }, { http });
    const operations = sandbox.requests().map((request) => request.headers.soapaction);
    assert.deepEqual(operations, ['"search"', '"searchMoreWithId"', '"searchMoreWithId"']);
    assert.equal(result.totalRecords, SEED_ITEMS.length);
    assert.deepEqual(result.items.map((item) => item.itemId), SEED_ITEMS.map((item) => item.itemId));
    const third = result.items[2]!;
    assert.deepEqual(third.locations.map((location) => [location.locationId, location.quantityOnHand]), [['1', 30], ['2', 2]]);
  });

  it('filters inventory by SKU and by location', async () => {
    const one = await runAction(searchInventory, { itemId: SEED_ITEMS[3]!.itemId }, { http });
    assert.deepEqual(one.items.map((item) => item.internalId), [SEED_ITEMS[3]!.internalId]);
    const east = await runAction(searchInventory, { locations: ['2'] }, { http });
    assert.equal(east.items.length, SEED_ITEMS.length - 1, 'item 12 is stocked only at the main warehouse');
    assert.ok(east.items.every((item) => item.locations.every((location) => location.locationId === '2')));
  });

  it('answers a page size NetSuite does not allow with INVALID_SEARCH_PAGE_SIZE, a ValidationError', async () => {
    // Past the input schema on purpose: this is what NetSuite itself says.
    const error = await runAction(searchInventory, { pageSize: 4 }, { http }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.match(error.message, /INVALID_SEARCH_PAGE_SIZE/);
  });

  describe('token-based authentication', () => {
    it('refuses a stale timestamp as an AuthError with NetSuite\'s message', async () => {
      const stale = tbaClient({ baseUrl: sandbox.url, credentials: SANDBOX_CREDENTIALS, nowSeconds: () => Math.floor(Date.now() / 1000) - 600 });
      const error = await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http: stale }).catch((e: unknown) => e);
      assert.ok(error instanceof AuthError, String(error));
      assert.match(error.message, /Invalid login attempt\. \(INVALID_LOGIN_ATTEMPT\)/);
      assert.equal(error.retryable, false);
    });

    it('refuses a signature made with the wrong secret', async () => {
      const wrong = tbaClient({ baseUrl: sandbox.url, credentials: { ...SANDBOX_CREDENTIALS, tokenSecret: `${SANDBOX_CREDENTIALS.tokenSecret.slice(0, -1)}0` } });
      const error = await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http: wrong }).catch((e: unknown) => e);
      assert.ok(error instanceof AuthError, String(error));
    });

    it('refuses a nonce presented twice: each passport is single-use, even on a retry', async () => {
      const replaying = tbaClient({ baseUrl: sandbox.url, credentials: SANDBOX_CREDENTIALS, nonce: () => 'sameNonce123' });
      await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http: replaying });
      const error = await runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http: replaying }).catch((e: unknown) => e);
      assert.ok(error instanceof AuthError, String(error));
    });

    it('refuses a request with no passport, with the fault shaped as NetSuite\'s', async () => {
      const bare = createTestHttpClient({ baseUrl: sandbox.url });
      const response = await bare.request(declared(getSalesOrder).request({ internalId: '1' })).catch((e: unknown) => e);
      assert.ok(response instanceof RetryableError, 'without the errors hook a SOAP 1.1 fault is only a 500');
      const raw = await fetch(`${sandbox.url}${SERVICE_PATH}`, { method: 'POST', headers: { 'content-type': 'text/xml', soapaction: '"get"' }, body: String(declared(getSalesOrder).request({ internalId: '1' }).body) });
      const text = await raw.text();
      assert.equal(raw.status, 500);
      assert.match(text, /<faultcode>soapenv:Server\.userException<\/faultcode>/);
      assert.match(text, new RegExp(`<platformFaults:invalidCredentialsFault><platformFaults:code>INVALID_LOGIN_ATTEMPT</platformFaults:code>`));
      assert.match(text, new RegExp(`xmlns:platformFaults="${NS.platformFaults}"`));
    });
  });

  it('refuses requests beyond the concurrency limit with ExceededConcurrentRequestLimitFault, a RateLimitedError', async () => {
    const busy = await startNetsuiteSandbox({ concurrencyLimit: 2, latencyMs: 50 });
    try {
      const client = tbaClient({ baseUrl: busy.url, credentials: SANDBOX_CREDENTIALS });
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => runAction(getSalesOrder, { internalId: SEED_SALES_ORDER.internalId }, { http: client })));
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 2);
      const refused = results.find((result) => result.status === 'rejected');
      assert.ok(refused?.status === 'rejected' && refused.reason instanceof RateLimitedError, String(refused));
      assert.match(refused.reason.message, /WS_CONCUR_SESSION_DISALLWD/);
      assert.equal(busy.state().concurrency.maxInFlight, 2);
    } finally {
      await busy.close();
    }
  });
});

describe('netsuite envelopes against the SuiteTalk 2023.2 XSD', () => {
  const xsdDirectory = join(import.meta.dirname, '../../../../../shared/specs/netsuite/xsd');
  const present = existsSync(xsdDirectory);

  it('uses only element names the XSD declares', { skip: present ? false : 'the NetSuite XSD is not on this machine' }, () => {
    const declared = new Set<string>();
    for (const file of readdirSync(xsdDirectory)) {
      for (const match of readFileSync(join(xsdDirectory, file), 'utf8').matchAll(/<(?:xsd:)?element name="([A-Za-z]+)"/g)) declared.add(match[1]!);
    }
    const envelopes = [
      declared_(upsertCustomer, { externalId: 'c', entityId: 'e', isPerson: true, firstName: 'f', lastName: 'l', companyName: 'co', phone: 'p', email: 'm', subsidiary: { internalId: '1' } }),
      declared_(upsertSalesOrder, { ...orderInput('o'), tranDate: '2026-01-01T00:00:00Z', otherRefNum: 'r', currency: { internalId: '1' }, itemList: [{ item: { internalId: '1' }, quantity: 1, rate: '1', description: 'd', location: { internalId: '1' } }] }),
      declared_(getSalesOrder, { internalId: '1' }),
      declared_(getItemFulfillment, { externalId: 'f' }),
      declared_(getServerTime, {}),
    ];
    const used = new Set<string>();
    for (const envelope of envelopes) {
      for (const match of envelope.matchAll(/<(platformMsgs|platformCore|platformCommon|listRel|listAcct|tranSales):([A-Za-z]+)/g)) used.add(match[2]!);
    }
    const unknown = [...used].filter((name) => !declared.has(name));
    assert.deepEqual(unknown, []);
    assert.ok(used.has('entity') && used.has('itemList') && used.has('baseRef') && used.has('getServerTime'));
  });
});

function declared_(action: Action, input: unknown): string {
  return String(declared(action).request(input as never).body);
}

function declared<A extends Action>(action: A): Extract<A, DeclarativeAction> {
  assert.equal(action.kind, 'declarative');
  return action as Extract<A, DeclarativeAction>;
}
