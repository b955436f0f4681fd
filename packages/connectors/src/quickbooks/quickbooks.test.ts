import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AuthError,
  ConflictError,
  NotFoundError,
  RateLimitedError,
  RetryableError,
  ValidationError,
  type ConnectorError,
  type HttpResponse,
} from '@weft/sdk';
import { connectorContract, createTestHttpClient, rejection, runAction, verifyWebhookSignature, type TestHttpClient, startWebhookReceiver } from '@weft/sdk/testing';
import { createCreditMemo } from './create-credit-memo.action.ts';
import { createCustomer } from './create-customer.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { createPayment } from './create-payment.action.ts';
import { dataChange } from './data-change.trigger.ts';
import { quickbooksError } from './fault-errors.ts';
import { quickbooks } from './quickbooks.connector.ts';
import {
  DEFAULT_MINOR_VERSION,
  FAULT_CODES,
  PRODUCTION_API,
  SANDBOX_API,
  SEED_CUSTOMERS,
  SEED_INVOICES,
  WEBHOOK_TEST_VECTOR,
} from './quickbooks.fixtures.ts';
import { startQuickBooksSandbox, type QuickBooksSandbox } from './quickbooks.sandbox.ts';
import { queryCustomers } from './query-customers.action.ts';
import { quote } from './query-language.ts';
import { readCompanyInfo } from './read-company-info.action.ts';
import { readInvoice } from './read-invoice.action.ts';

const widgetLine = (qty: number) => ({
  Amount: Math.round(qty * 19.99 * 100) / 100,
  DetailType: 'SalesItemLineDetail' as const,
  SalesItemLineDetail: { ItemRef: { value: '3' }, Qty: qty, UnitPrice: 19.99 },
});
const SEEDED_INVOICE = SEED_INVOICES[0];

connectorContract({
  connector: quickbooks,
  startSandbox: () => startQuickBooksSandbox(),
  connection: (sandbox) => {
    const running = sandbox as QuickBooksSandbox;
    return { config: { realmId: running.realmId, baseUrl: running.url }, credentials: { accessToken: running.accessToken } };
  },
  probeAction: 'read-company-info',
  samples: {
    'create-customer': {
      input: { DisplayName: 'Contract Customer', GivenName: 'Con', FamilyName: 'Tract', PrimaryEmailAddr: { Address: 'contract@example.com' }, idempotencyKey: 'contract-customer-1' },
      expect: (output) => assert.equal((output as { Customer: { DisplayName: string } }).Customer.DisplayName, 'Contract Customer'),
    },
    'query-customers': {
      input: { pageSize: 5 },
      requests: 3,
      expect: (output) => {
        const ids = (output as { customers: { Id: string }[] }).customers.map((customer) => customer.Id);
        assert.equal(new Set(ids).size, SEED_CUSTOMERS.length);
      },
    },
    'create-invoice': { input: { CustomerRef: { value: '3' }, Line: [widgetLine(2)], idempotencyKey: 'contract-invoice-1' } },
    'read-invoice': { input: { id: SEEDED_INVOICE.Id } },
    'create-payment': {
      input: { CustomerRef: { value: '1' }, TotalAmt: 39.98, Line: [{ Amount: 39.98, LinkedTxn: [{ TxnId: SEEDED_INVOICE.Id, TxnType: 'Invoice' }] }] },
    },
    'create-credit-memo': { input: { CustomerRef: { value: '2' }, Line: [widgetLine(1)], PrivateNote: 'Refund for a returned widget' } },
    'read-company-info': { input: {} },
  },
  triggers: { 'data-change': { type: 'Invoice.Create' } },
});

describe('quickbooks actions against the QuickBooks sandbox', () => {
  let sandbox: QuickBooksSandbox;
  let http: TestHttpClient;

  before(async () => {
    sandbox = await startQuickBooksSandbox();
    http = clientFor(sandbox, sandbox.accessToken);
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('addresses the realm in the path and sends minorversion and Accept: application/json on every request', async () => {
    await runAction(readCompanyInfo, {}, { http });
    await runAction(readInvoice, { id: SEEDED_INVOICE.Id, minorversion: 76 }, { http });
    const [company, invoice] = sandbox.requests();
    assert.equal(company?.path, `/v3/company/${sandbox.realmId}/query`);
    assert.equal(company?.query.minorversion, String(DEFAULT_MINOR_VERSION));
    assert.equal(company?.query.query, 'select * from CompanyInfo');
    assert.equal(invoice?.path, `/v3/company/${sandbox.realmId}/invoice/${SEEDED_INVOICE.Id}`);
    assert.equal(invoice?.query.minorversion, '76');
    for (const request of sandbox.requests()) assert.equal(request.headers.accept, 'application/json');
  });

  it('picks the production or sandbox host from config, and lets baseUrl replace it', () => {
    const baseUrl = quickbooks.baseUrl as (config: Record<string, unknown>) => string;
    assert.equal(baseUrl({ realmId: '42' }), `${PRODUCTION_API}/v3/company/42`);
    assert.equal(baseUrl({ realmId: '42', environment: 'sandbox' }), `${SANDBOX_API}/v3/company/42`);
    assert.equal(baseUrl({ realmId: '42', baseUrl: 'http://127.0.0.1:4010/' }), 'http://127.0.0.1:4010/v3/company/42');
  });

  it('answers a create retried with the same requestid with the first customer, and creates one', async () => {
    const input = { DisplayName: 'Ada Lovelace', idempotencyKey: 'weft-0123456789abcdef' };
    const first = await runAction(createCustomer, input, { http });
    const second = await runAction(createCustomer, input, { http });
    assert.deepEqual(second, first);
    assert.equal(sandbox.requests()[0]?.query.requestid, 'weft-0123456789abcdef');
    assert.equal(sandbox.state().realms.get(sandbox.realmId)?.customers.size, SEED_CUSTOMERS.length + 1);
    assert.equal(createCustomer.xref?.id(first), first.Customer.Id);
  });

  it('refuses a second customer with the same DisplayName (any case) as a conflict, code 6240', async () => {
    const error = await rejection(runAction(createCustomer, { DisplayName: SEED_CUSTOMERS[0][2].toUpperCase() }, { http }));
    assert.ok(error instanceof ConflictError, String(error));
    assert.equal(error.code, 'ERR_QUICKBOOKS_DUPLICATE_NAME');
    assert.equal((error.details as { code: string }).code, FAULT_CODES.duplicateName);
    assert.match(error.message, /Duplicate Name Exists Error/);
  });

  it('refuses a customer without a name, and a property QuickBooks does not know, as validation errors', async () => {
    const nameless = await rejection(runAction(createCustomer, { CompanyName: 'No Display Name Inc' }, { http }));
    assert.ok(nameless instanceof ValidationError && nameless.code === 'ERR_QUICKBOOKS_VALIDATION', String(nameless));
    assert.equal((nameless.details as { code: string }).code, FAULT_CODES.requiredParamMissing);
    const response = await fetch(`${sandbox.url}/v3/company/${sandbox.realmId}/customer?minorversion=75`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ DisplayName: 'Typo', Emial: 'x@example.com' }),
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { Fault: { type: string; Error: { code: string; element: string }[] }; time: string };
    assert.equal(body.Fault.type, 'ValidationFault');
    assert.deepEqual([body.Fault.Error[0]?.code, body.Fault.Error[0]?.element], [FAULT_CODES.invalidProperty, 'Emial']);
    assert.match(body.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}-0[78]:00$/);
  });

  it('queries by DisplayName with the quote escaped, ignoring case, and only active customers by default', async () => {
    const found = await runAction(queryCustomers, { displayName: "AMY'S BIRD SANCTUARY" }, { http });
    assert.deepEqual(found.customers.map((customer) => customer.DisplayName), ["Amy's Bird Sanctuary"]);
    assert.equal(sandbox.requests()[0]?.query.query, `select * from Customer where DisplayName = ${quote("AMY'S BIRD SANCTUARY")} STARTPOSITION 1 MAXRESULTS 100`);
    sandbox.state().realms.get(sandbox.realmId)!.customers.update('2', { Active: false });
    const active = await runAction(queryCustomers, {}, { http });
    assert.equal(active.customers.length, SEED_CUSTOMERS.length - 1);
    const inactive = await runAction(queryCustomers, { active: false }, { http });
    assert.deepEqual(inactive.customers.map((customer) => customer.Id), ['2']);
    const none = await runAction(queryCustomers, { email: 'nobody@example.com' }, { http });
    assert.deepEqual(none.customers, []);
  });

  it('pages with STARTPOSITION until a short page, and answers an empty QueryResponse past the end', async () => {
    await runAction(queryCustomers, { pageSize: 4 }, { http });
    const statements = sandbox.requests().map((request) => String(request.query.query));
    assert.deepEqual(statements.map((statement) => / STARTPOSITION (\d+) MAXRESULTS 4$/.exec(statement)?.[1]), ['1', '5', '9', '13']);
    const last = await fetch(`${sandbox.url}/v3/company/${sandbox.realmId}/query?query=${encodeURIComponent('select * from Customer STARTPOSITION 13 MAXRESULTS 4')}`, {
      headers: { authorization: `Bearer ${sandbox.accessToken}` },
    });
    assert.deepEqual(((await last.json()) as { QueryResponse: unknown }).QueryResponse, {});
  });

  it('refuses a query on a property QuickBooks cannot filter on', async () => {
    const error = await rejection(http.request({ method: 'GET', path: '/query', query: { query: "select * from Customer where Notes = 'x'" } }, { errors: quickbooksError }));
    assert.ok(error instanceof ValidationError && error.code === 'ERR_QUICKBOOKS_QUERY_INVALID', String(error));
  });

  it('creates an invoice QuickBooks-style: numbered, totalled, a SubTotal line added, the customer owing it', async () => {
    const created = await runAction(createInvoice, { CustomerRef: { value: '4' }, Line: [widgetLine(3), { ...widgetLine(1), Description: 'Spare' }] }, { http });
    const { Invoice } = created;
    assert.equal(Invoice.TotalAmt, 79.96);
    assert.equal(Invoice.Balance, 79.96);
    assert.equal(Invoice.DocNumber, String(Number(SEED_INVOICES[1].DocNumber) + 1));
    assert.deepEqual(Invoice.Line.map((line) => line.DetailType), ['SalesItemLineDetail', 'SalesItemLineDetail', 'SubTotalLineDetail']);
    assert.equal(Invoice.Line[0]?.SalesItemLineDetail?.ItemRef.name, 'Widget');
    assert.equal(Invoice.CustomerRef.name, SEED_CUSTOMERS[3][2]);
    const read = await runAction(readInvoice, { id: Invoice.Id }, { http });
    assert.deepEqual(read.Invoice, Invoice);
    assert.equal(sandbox.state().realms.get(sandbox.realmId)?.customers.get('4')?.Balance, 79.96);
    assert.equal(createInvoice.xref?.id(created), Invoice.Id);
  });

  it('refuses an invoice naming an unknown item or customer (2500), a wrong line amount (6070), or a used DocNumber (6140)', async () => {
    const unknownItem = await rejection(
      runAction(createInvoice, { CustomerRef: { value: '1' }, Line: [{ ...widgetLine(1), SalesItemLineDetail: { ItemRef: { value: '999' }, Qty: 1, UnitPrice: 19.99 } }] }, { http }),
    );
    assert.ok(unknownItem instanceof ValidationError && unknownItem.code === 'ERR_QUICKBOOKS_INVALID_REFERENCE', String(unknownItem));
    assert.match(unknownItem.message, /Invalid Reference Id : Items element id 999 not found/);
    const unknownCustomer = await rejection(runAction(createInvoice, { CustomerRef: { value: '999' }, Line: [widgetLine(1)] }, { http }));
    assert.ok(unknownCustomer instanceof ValidationError && unknownCustomer.code === 'ERR_QUICKBOOKS_INVALID_REFERENCE', String(unknownCustomer));
    const wrongAmount = await rejection(runAction(createInvoice, { CustomerRef: { value: '1' }, Line: [{ ...widgetLine(2), Amount: 40 }] }, { http }));
    assert.ok(wrongAmount instanceof ValidationError, String(wrongAmount));
    assert.equal((wrongAmount.details as { code: string }).code, FAULT_CODES.amountMismatch);
    const usedNumber = await rejection(runAction(createInvoice, { CustomerRef: { value: '1' }, Line: [widgetLine(1)], DocNumber: SEEDED_INVOICE.DocNumber }, { http }));
    assert.ok(usedNumber instanceof ConflictError && usedNumber.code === 'ERR_QUICKBOOKS_DUPLICATE_DOC_NUMBER', String(usedNumber));
    assert.equal(sandbox.state().realms.get(sandbox.realmId)?.invoices.size, SEED_INVOICES.length);
  });

  it('applies a payment to an invoice through LinkedTxn, and refuses paying more than the balance (6000)', async () => {
    const created = await runAction(createPayment, { CustomerRef: { value: '1' }, TotalAmt: 50, Line: [{ Amount: 30, LinkedTxn: [{ TxnId: SEEDED_INVOICE.Id, TxnType: 'Invoice' }] }] }, { http });
    assert.equal(created.Payment.UnappliedAmt, 20);
    assert.equal(createPayment.xref?.id(created), created.Payment.Id);
    const { Invoice } = await runAction(readInvoice, { id: SEEDED_INVOICE.Id }, { http });
    assert.equal(Invoice.Balance, 9.98);
    assert.deepEqual(Invoice.LinkedTxn, [{ TxnId: created.Payment.Id, TxnType: 'Payment' }]);
    const over = await rejection(runAction(createPayment, { CustomerRef: { value: '1' }, TotalAmt: 10, Line: [{ Amount: 10, LinkedTxn: [{ TxnId: SEEDED_INVOICE.Id, TxnType: 'Invoice' }] }] }, { http }));
    assert.ok(over instanceof ValidationError, String(over));
    assert.equal((over.details as { code: string }).code, FAULT_CODES.businessValidation);
  });

  it('records a refund as a credit memo that lowers what the customer owes', async () => {
    const created = await runAction(createCreditMemo, { CustomerRef: { value: '2' }, Line: [widgetLine(1)], idempotencyKey: 'refund-1' }, { http });
    assert.equal(created.CreditMemo.RemainingCredit, 19.99);
    assert.equal(createCreditMemo.xref?.entity, 'refund');
    assert.equal(createCreditMemo.xref?.id(created), created.CreditMemo.Id);
    const invoiced = SEED_INVOICES[1].lines.reduce((sum, line) => sum + line.qty * line.unitPrice, 0);
    assert.equal(sandbox.state().realms.get(sandbox.realmId)?.customers.get('2')?.Balance, Math.round((invoiced - 19.99) * 100) / 100);
  });

  it('maps an unknown invoice id (400, Object Not Found 610) to NotFoundError', async () => {
    const error = await rejection(runAction(readInvoice, { id: '999999' }, { http }));
    assert.ok(error instanceof NotFoundError && error.code === 'ERR_QUICKBOOKS_NOT_FOUND', String(error));
    assert.equal(error.status, 400);
  });

  it('throttles each realm at its per-minute limit with 429 ThrottleExceeded and no Retry-After', async () => {
    const limited = await startQuickBooksSandbox({ requestsPerMinute: 3 });
    try {
      const client = clientFor(limited, limited.accessToken);
      const results = await Promise.allSettled(Array.from({ length: 4 }, () => runAction(readCompanyInfo, {}, { http: client })));
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 3);
      const refused = results.find((result) => result.status === 'rejected');
      assert.ok(refused?.status === 'rejected' && refused.reason instanceof RateLimitedError, String(refused));
      assert.equal(refused.reason.code, 'ERR_QUICKBOOKS_THROTTLED');
      assert.equal(refused.reason.retryAfterMs, undefined);
    } finally {
      await limited.close();
    }
  });

  it('refuses a token for another realm with 403 (ApplicationAuthorizationFailed)', async () => {
    const twoRealms = await startQuickBooksSandbox({ realmIds: ['111', '222'] });
    try {
      const other = createTestHttpClient({ baseUrl: `${twoRealms.url}/v3/company/222`, headers: { authorization: `Bearer ${twoRealms.accessToken}` } });
      const error = await rejection(runAction(readCompanyInfo, {}, { http: other }));
      assert.ok(error instanceof AuthError && error.code === 'ERR_QUICKBOOKS_FORBIDDEN', String(error));
    } finally {
      await twoRealms.close();
    }
  });
});

describe('quickbooks OAuth 2 in the sandbox', () => {
  let sandbox: QuickBooksSandbox;
  const redirectUri = 'http://127.0.0.1:8765/callback';
  const basic = (secret: string) => `Basic ${Buffer.from(`${sandbox.clientId}:${secret}`).toString('base64')}`;
  const token = (form: Record<string, string>, secret = sandbox.clientSecret) =>
    fetch(`${sandbox.url}/oauth2/v1/tokens/bearer`, {
      method: 'POST',
      headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
    });
  const consent = async (scope = 'com.intuit.quickbooks.accounting') => {
    const url = new URL(`${sandbox.url}/connect/oauth2`);
    for (const [name, value] of Object.entries({ client_id: sandbox.clientId, response_type: 'code', scope, redirect_uri: redirectUri, state: 'st-1' })) url.searchParams.set(name, value);
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 302);
    return new URL(response.headers.get('location') ?? '');
  };

  before(async () => {
    sandbox = await startQuickBooksSandbox();
  });
  after(() => sandbox.close());
  beforeEach(() => sandbox.reset());

  it('grants a code and the realmId, trades it for tokens once, and rotates the refresh token on every refresh', async () => {
    const callback = await consent();
    assert.equal(callback.searchParams.get('state'), 'st-1');
    assert.equal(callback.searchParams.get('realmId'), sandbox.realmId);
    const code = callback.searchParams.get('code') ?? '';
    const issued = (await (await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })).json()) as Record<string, unknown>;
    assert.equal(issued.token_type, 'bearer');
    assert.equal(issued.expires_in, 3600);
    const http = clientFor(sandbox, String(issued.access_token));
    assert.equal((await runAction(readCompanyInfo, {}, { http })).CompanyInfo.Id, sandbox.realmId);
    assert.equal((await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri })).status, 400, 'a code is good once');

    const refreshed = (await (await token({ grant_type: 'refresh_token', refresh_token: String(issued.refresh_token) })).json()) as Record<string, unknown>;
    assert.notEqual(refreshed.refresh_token, issued.refresh_token);
    const replayed = await token({ grant_type: 'refresh_token', refresh_token: String(issued.refresh_token) });
    assert.equal(replayed.status, 400);
    assert.deepEqual(await replayed.json(), { error: 'invalid_grant' });
    assert.equal((await token({ grant_type: 'refresh_token', refresh_token: String(refreshed.refresh_token) })).status, 200);
  });

  it('refuses a wrong client secret (401 invalid_client) and a consent without the accounting scope', async () => {
    const wrong = await token({ grant_type: 'refresh_token', refresh_token: 'x' }, 'not-the-secret');
    assert.equal(wrong.status, 401);
    assert.deepEqual(await wrong.json(), { error: 'invalid_client' });
    const callback = await consent('openid');
    assert.equal(callback.searchParams.get('error'), 'invalid_scope');
    assert.equal(callback.searchParams.get('code'), null);
  });

  it('declares Intuit\'s authorization-code flow, and a bearer token as the alternative', () => {
    const [oauth, alternative] = quickbooks.auth;
    assert.deepEqual(oauth, {
      kind: 'oauth2-authorization-code',
      authorizationUrl: 'https://appcenter.intuit.com/connect/oauth2',
      tokenUrl: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
      scopes: ['com.intuit.quickbooks.accounting'],
      pkce: false,
    });
    assert.equal(alternative?.kind, 'bearer');
  });
});

describe('quickbooks fault classification', () => {
  const faultResponse = (status: number, code: string, extra: { type?: string; headers?: Record<string, string>; detail?: string } = {}): HttpResponse => {
    const body = { Fault: { Error: [{ Message: `Message ${code}`, Detail: extra.detail ?? `Detail ${code}`, code, element: '' }], type: extra.type ?? 'ValidationFault' }, time: '2026-01-05T09:00:00.000-08:00' };
    return { status, headers: extra.headers ?? {}, body, text: JSON.stringify(body) };
  };
  const cases: [string, HttpResponse, new (...args: never[]) => ConnectorError, string][] = [
    ['duplicate name', faultResponse(400, '6240'), ConflictError, 'ERR_QUICKBOOKS_DUPLICATE_NAME'],
    ['stale SyncToken', faultResponse(400, '5010'), ConflictError, 'ERR_QUICKBOOKS_STALE_OBJECT'],
    ['required parameter missing', faultResponse(400, '2020'), ValidationError, 'ERR_QUICKBOOKS_VALIDATION'],
    ['business validation', faultResponse(400, '6000'), ValidationError, 'ERR_QUICKBOOKS_VALIDATION'],
    ['object not found', faultResponse(400, '610'), NotFoundError, 'ERR_QUICKBOOKS_NOT_FOUND'],
    ['authentication', faultResponse(401, '3200', { type: 'AuthenticationFault' }), AuthError, 'ERR_QUICKBOOKS_AUTH_FAILED'],
    ['authorization', faultResponse(403, '3100', { type: 'AuthorizationFault' }), AuthError, 'ERR_QUICKBOOKS_FORBIDDEN'],
    ['throttle', faultResponse(429, '3001', { type: 'SERVICE' }), RateLimitedError, 'ERR_QUICKBOOKS_THROTTLED'],
    ['system fault', faultResponse(500, '10000', { type: 'SystemFault' }), RetryableError, 'ERR_QUICKBOOKS_UNAVAILABLE'],
    ['service unavailable', faultResponse(503, '10000', { type: 'SystemFault' }), RetryableError, 'ERR_QUICKBOOKS_UNAVAILABLE'],
  ];
  for (const [what, response, errorClass, code] of cases) {
    it(`${what} (HTTP ${response.status}) becomes ${errorClass.name} ${code}`, () => {
      const error = quickbooksError(response);
      assert.ok(error instanceof errorClass, String(error));
      assert.equal(error.code, code);
      assert.equal(error.status, response.status);
    });
  }

  it('reads Retry-After when there is one, and keeps an auth fault\'s Detail (which can quote the token) out of the message', () => {
    const throttled = quickbooksError(faultResponse(429, '3001', { headers: { 'retry-after': '12' } }));
    assert.ok(throttled instanceof RateLimitedError);
    assert.equal(throttled.retryAfterMs, 12_000);
    const auth = quickbooksError(faultResponse(401, '3200', { detail: 'Token expired: eyJsecretTokenValue' }));
    assert.ok(auth instanceof AuthError);
    assert.doesNotMatch(auth.message, /eyJsecret/);
    assert.doesNotMatch(JSON.stringify(auth.details), /eyJsecret/);
  });

  it('reads the lower-case fault Intuit\'s gateway sends, and leaves non-fault failures and successes to the standard mapping', () => {
    const body = { fault: { error: [{ message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail: 'Token revoked', code: '3200' }], type: 'AUTHENTICATION' } };
    const gateway = quickbooksError({ status: 401, headers: {}, body, text: JSON.stringify(body) });
    assert.ok(gateway instanceof AuthError);
    assert.match(gateway.message, /^QuickBooks: AuthenticationFailed/);
    assert.equal(quickbooksError({ status: 502, headers: {}, body: '<html>Bad Gateway</html>', text: '<html>Bad Gateway</html>' }), undefined);
    assert.equal(quickbooksError({ status: 200, headers: {}, body: { Invoice: {} }, text: '{}' }), undefined);
  });
});

describe('quickbooks data change webhooks', () => {
  let sandbox: QuickBooksSandbox;
  let receiver: { url: string; received: { rawBody: string; headers: Record<string, string> }[]; close(): Promise<void> };
  const signature = dataChange.webhook!.signature;

  before(async () => {
    sandbox = await startQuickBooksSandbox();
    receiver = await startWebhookReceiver('/webhook');
  });
  after(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(() => {
    sandbox.reset();
    receiver.received.splice(0);
  });

  it('matches the written-down test vector: base64 HMAC-SHA256 of the raw body under the verifier token', async () => {
    const computed = createHmac('sha256', WEBHOOK_TEST_VECTOR.verifierToken).update(WEBHOOK_TEST_VECTOR.body).digest('base64');
    assert.equal(computed, WEBHOOK_TEST_VECTOR.signature);
    assert.deepEqual(signature, { scheme: 'hmac-sha256', header: 'intuit-signature', encoding: 'base64' });
    const headers = { 'intuit-signature': WEBHOOK_TEST_VECTOR.signature };
    assert.deepEqual(verifyWebhookSignature({ signature, secret: WEBHOOK_TEST_VECTOR.verifierToken, rawBody: WEBHOOK_TEST_VECTOR.body, headers, nowMs: Date.now() }), { ok: true });
    const [delivery] = await sandbox.webhooks.send({ url: receiver.url, event: JSON.parse(WEBHOOK_TEST_VECTOR.body) });
    assert.equal(delivery?.headers['intuit-signature'], WEBHOOK_TEST_VECTOR.signature);
  });

  it('announces an update over /_sandbox/webhooks/deliver with the record\'s new lastUpdated, and dedupes on the changes listed', async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/webhooks/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, type: 'Invoice.Update', data: { id: SEEDED_INVOICE.Id }, duplicate: true }),
    });
    assert.equal(response.status, 200);
    assert.equal(receiver.received.length, 2);
    const [first, again] = receiver.received.map((delivery) => JSON.parse(delivery.rawBody) as { eventNotifications: { dataChangeEvent: { entities: { id: string; operation: string; lastUpdated: string }[] } }[] });
    const change = first!.eventNotifications[0]!.dataChangeEvent.entities[0]!;
    assert.deepEqual([change.id, change.operation], [SEEDED_INVOICE.Id, 'Update']);
    const invoice = sandbox.state().realms.get(sandbox.realmId)!.invoices.get(SEEDED_INVOICE.Id)!;
    assert.equal(change.lastUpdated, invoice.MetaData.LastUpdatedTime);
    assert.equal(invoice.SyncToken, '1');
    const dedupe = (body: unknown) => dataChange.webhook!.dedupeId({}, body);
    assert.equal(dedupe(again), dedupe(first));
    assert.equal(dedupe(first), `${sandbox.realmId}:Invoice:${SEEDED_INVOICE.Id}:Update:${change.lastUpdated}`);
  });
});

describe('quickbooks schemas against Intuit\'s XSD', () => {
  const xsdDir = fileURLToPath(new URL('../../../../../shared/specs/quickbooks/ipp-v3-java-data/src/main/xsd/', import.meta.url));
  const present = existsSync(`${xsdDir}Finance.xsd`);

  it('names only elements the XSD defines', { skip: present ? false : 'the specs checkout (../shared/specs) is not here' }, () => {
    const xsd = ['Finance.xsd', 'IntuitBaseTypes.xsd', 'IntuitNamesTypes.xsd', 'IntuitRestServiceDef.xsd'].map((file) => readFileSync(`${xsdDir}${file}`, 'utf8')).join('\n');
    const defined = new Set([...xsd.matchAll(/<xs:element name="([A-Za-z0-9]+)"/g)].map((match) => match[1]));
    const names = new Set<string>();
    const collect = (schema: unknown) => {
      if (typeof schema !== 'object' || schema === null) return;
      const { properties, items, anyOf } = schema as { properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
      for (const [name, child] of Object.entries(properties ?? {})) {
        names.add(name);
        collect(child);
      }
      collect(items);
      for (const option of anyOf ?? []) collect(option);
    };
    for (const action of [createCustomer, createInvoice, createPayment, createCreditMemo, readInvoice, readCompanyInfo]) collect(action.output);
    // ReferenceType's JSON form (value, name) and the response envelope's time are attributes, not elements.
    const attributes = new Set(['value', 'name', 'time']);
    const unknown = [...names].filter((name) => !attributes.has(name) && !defined.has(name));
    assert.deepEqual(unknown, []);
  });
});

function clientFor(sandbox: QuickBooksSandbox, accessToken: string): TestHttpClient {
  return createTestHttpClient({ baseUrl: `${sandbox.url}/v3/company/${sandbox.realmId}`, headers: { authorization: `Bearer ${accessToken}` } });
}

