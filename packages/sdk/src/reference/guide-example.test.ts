// The guide (docs/guides/writing-a-connector.md) shows its example connector, sandbox and
// contract-suite call by including regions of guide-example.ts, guide-example.sandbox.ts and
// this file (see markdown-regions.ts). This test runs those very files, and checks the guide
// still holds exactly their current text, so a sample cannot stop compiling, stop working, or
// go stale in the markdown.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { encodeForm, encodeMultipart, isConnectorError, parseMultipart, type DeclarativeAction, type HttpResponse, type MultipartPart } from '@weft/sdk';
import { createTestHttpClient, runAction, type TestHttpClient } from '@weft/sdk/testing';
import { acme, createSalesOrder, customerUpdated, listCustomers, orderShipped } from './guide-example.ts';
import { startAcmeSandbox, type AcmeSandbox } from './guide-example.sandbox.ts';
import { createCharge, getCustomerRecord, getOrder, uploadEvidence } from './guide-protocols.ts';
import { includeRegions, sourceRegions } from './markdown-regions.ts';

// #region contract
import { connectorContract } from '@weft/sdk/testing';

connectorContract({
  connector: acme,
  startSandbox: startAcmeSandbox,
  // The static base URL's path (/api/v2) is kept; the sandbox stands in for the host.
  connection: (sandbox) => ({ config: {}, credentials: { apiKey: (sandbox as AcmeSandbox).apiKey } }),
  probeAction: 'get-account',
  samples: {
    'create-sales-order': { input: { customerId: 'C-1001', lines: [{ sku: 'WIDGET-1', quantity: 2 }] } },
    'list-customers': { input: {}, requests: 3, expect: (output) => assert.equal((output as { customers: unknown[] }).customers.length, 5) },
    'upsert-customer': { input: { email: 'ada@example.com', name: 'Ada Lovelace' }, requests: 2 },
    'get-account': { input: {} },
  },
  triggers: { 'order-shipped': { type: 'order.shipped' } },
});
// #endregion

const repoRoot = new URL('../../../../', import.meta.url);
const readRepoFile = (path: string) => readFileSync(new URL(path, repoRoot), 'utf8');
const declarative = (action: unknown) => action as DeclarativeAction;

describe('docs/guides/writing-a-connector.md', () => {
  const guide = readRepoFile('docs/guides/writing-a-connector.md');

  it('holds the current text of every region it includes (run `npm run gen` after changing the example)', () => {
    assert.equal(guide, includeRegions(guide, readRepoFile));
  });

  it('includes every region of the example files, so none is maintained for nothing', () => {
    const files = ['guide-example.ts', 'guide-example.sandbox.ts', 'guide-example.test.ts', 'guide-protocols.ts'].map((name) => `packages/sdk/src/reference/${name}`);
    for (const file of files) {
      for (const name of sourceRegions(readRepoFile(file)).keys()) assert.ok(guide.includes(`<!-- include ${file}#${name} -->`), `${file}#${name} is not in the guide`);
    }
  });
});

describe('the guide example: requests as data', () => {
  it('create-sales-order posts the input as JSON', () => {
    const input = { customerId: 'C-1001', lines: [{ sku: 'WIDGET-1', quantity: 2 }] };
    assert.deepEqual(declarative(createSalesOrder).request(input), { method: 'POST', path: '/sales-orders', body: input });
  });

  it('list-customers leaves unset filters out of the query', () => {
    assert.deepEqual(declarative(listCustomers).request({ limit: 50 }), { method: 'GET', path: '/customers', query: { email: undefined, limit: 50 } });
  });

  it('the poll trigger asks from its cursor, advances to the newest record and dedupes per version', () => {
    const poll = customerUpdated.poll!;
    assert.deepEqual(poll.request('2026-01-03T09:00:00Z').query, { updated_since: '2026-01-03T09:00:00Z', sort: 'updated_at', limit: 100 });
    assert.equal(poll.request(undefined).query?.updated_since, undefined);
    const items = [
      { id: 'C-1', updated_at: '2026-01-03T09:00:00Z' },
      { id: 'C-2', updated_at: '2026-01-04T09:00:00Z' },
    ];
    const cursorAfter = poll.cursorAfter!;
    assert.equal(items.reduce(cursorAfter, undefined), '2026-01-04T09:00:00Z');
    assert.equal([...items].reverse().reduce(cursorAfter, undefined), '2026-01-04T09:00:00Z', 'newest first too');
    assert.equal(cursorAfter('2026-01-04T09:00:00Z', items[0]), '2026-01-04T09:00:00Z', 'an older record keeps the cursor so far');
    assert.notEqual(poll.dedupeId(items[0]), poll.dedupeId({ ...items[0], updated_at: '2026-01-05T09:00:00Z' }));
  });

  it('the webhook trigger dedupes on the event id', () => {
    assert.equal(orderShipped.webhook!.dedupeId({}, { id: 'evt_7', type: 'order.shipped' }), 'evt_7');
  });

  it('detects an expired key reported inside a 200', () => {
    const expired = { status: 200, headers: {}, body: { ok: false, error: { code: 'SESSION_EXPIRED' } }, text: '' };
    assert.equal(acme.detectAuthFailure?.(expired), true);
    assert.equal(acme.detectAuthFailure?.({ ...expired, body: { ok: true } }), false);
  });
});

describe('the guide example against its sandbox', () => {
  let sandbox: AcmeSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startAcmeSandbox();
    http = createTestHttpClient({ baseUrl: `${sandbox.url}/api/v2`, headers: { 'x-api-key': sandbox.apiKey } });
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('turns a rejection inside a 200 into ERR_ACME_ORDER_REJECTED', async () => {
    const error = await runAction(createSalesOrder, { customerId: 'C-9999', lines: [{ sku: 'WIDGET-1', quantity: 1 }] }, { http }).catch((e: unknown) => e);
    assert.ok(isConnectorError(error));
    assert.equal(error.code, 'ERR_ACME_ORDER_REJECTED');
    assert.equal(error.reason, 'validation');
    assert.equal(error.retryable, false);
    assert.match(error.message, /Unknown customer C-9999/);
  });

  it('upsert-customer creates a customer it cannot find', async () => {
    const created = await runAction(acme.actions.find((action) => action.id === 'upsert-customer')!, { email: 'new@example.com', name: 'New' }, { http });
    assert.equal((created as { email: string }).email, 'new@example.com');
    assert.deepEqual(
      sandbox.requests().map((request) => `${request.method} ${request.path}`),
      ['GET /api/v2/customers', 'POST /api/v2/customers'],
    );
  });
});

const response = (status: number, body: unknown): HttpResponse => ({ status, headers: {}, body, text: typeof body === 'string' ? body : JSON.stringify(body) });

describe('the guide\'s protocol samples', () => {
  it('form: sends nested input as bracketed keys', () => {
    const request = declarative(createCharge).request({ amount: 2000, currency: 'eur', metadata: { order_id: '6735' } });
    assert.equal(request.bodyEncoding, 'form');
    assert.equal(encodeForm(request.body as never), 'amount=2000&currency=eur&metadata[order_id]=6735');
  });

  it('multipart: sends the file bytes as a part', () => {
    const request = declarative(uploadEvidence).request({ filename: 'receipt.pdf', base64: Buffer.from('%PDF-1.7').toString('base64') });
    const { body, contentType } = encodeMultipart(request.body as MultipartPart[]);
    const [purpose, file] = parseMultipart(body, contentType);
    assert.deepEqual(purpose, { name: 'purpose', value: 'dispute_evidence' });
    assert.equal(Buffer.from((file?.value as { data: Uint8Array }).data).toString(), '%PDF-1.7');
  });

  it('GraphQL: posts query and variables, and a THROTTLED error inside a 200 is a RateLimitedError', () => {
    const request = declarative(getOrder).request({ id: 'gid://shopify/Order/1' });
    assert.deepEqual(request.body, { query: 'query($id: ID!) { order(id: $id) { name } }', variables: { id: 'gid://shopify/Order/1' } });
    const throttled = getOrder.errors?.(response(200, { errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED' } }] }));
    assert.equal(throttled?.code, 'ERR_GRAPHQL_THROTTLED');
    assert.equal(throttled?.retryable, true);
    assert.equal(getOrder.errors?.(response(200, { data: { order: { name: '#1001' } } })), undefined);
  });

  it('SOAP: builds the envelope, reads the answer, maps a Client fault and refuses an XML bomb', () => {
    const request = declarative(getCustomerRecord).request({ internalId: '1042' });
    assert.match(String(request.body), /<msgs:baseRef internalId="1042" type="customer"\/>|<msgs:baseRef internalId="1042" type="customer"><\/msgs:baseRef>/);
    assert.equal(request.headers?.SOAPAction ?? request.headers?.soapaction, '"get"');
    const envelope = (body: string) => `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`;
    const ok = envelope('<getResponse><record><name>Ada</name></record></getResponse>');
    assert.equal(getCustomerRecord.errors?.(response(200, ok)), undefined);
    assert.deepEqual(declarative(getCustomerRecord).response?.(ok), { record: { record: [{ name: 'Ada' }] } });
    const fault = envelope('<soap:Fault><faultcode>soap:Client</faultcode><faultstring>Invalid internalId</faultstring></soap:Fault>');
    assert.equal(getCustomerRecord.errors?.(response(500, fault))?.code, 'ERR_SOAP_CLIENT_FAULT');
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${envelope('<x>&lol2;</x>')}`;
    assert.equal(getCustomerRecord.errors?.(response(200, bomb))?.code, 'ERR_SOAP_UNSAFE_XML');
  });
});
