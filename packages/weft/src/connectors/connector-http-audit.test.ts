/**
 * What the audit log keeps of a connector's requests: no credential its auth scheme put on them,
 * whatever the header or query parameter is called, and no credential or card data in a form-encoded body.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { apiKey, defineAction, defineConnector, hmacSigning, schema, type AuthScheme } from '@weft/sdk';
import { createConnectorHttpClient, type AuditedRequest } from './connector-http.ts';
import { applyAuth } from './auth/apply-auth.ts';
import type { CallAnswer } from '../store/store.ts';

const API_KEY = 'SUPER-SECRET-KEY-4f9a2c';
const SIGNING_SECRET = 'signing-secret-77e1';

describe('the audit record of a connector request', () => {
  let vendor: Server;
  let vendorUrl: string;
  const dispatcher = new Agent();

  before(async () => {
    vendor = createServer((req, res) => {
      req.resume();
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
          .end('access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&token_type=bearer&scope=repo'),
      );
    });
    await new Promise<void>((resolve) => vendor.listen(0, '127.0.0.1', resolve));
    vendorUrl = `http://127.0.0.1:${(vendor.address() as AddressInfo).port}`;
  });
  after(async () => {
    await dispatcher.close();
    await new Promise((resolve) => vendor.close(resolve));
  });

  /** Sends one request through a connector declaring `scheme`, and returns what the audit was told. */
  async function audit(scheme: AuthScheme, request: Parameters<ReturnType<typeof createConnectorHttpClient>['request']>[0]) {
    const action = defineAction({ id: 'act', name: 'Act', input: schema.Object({}), output: schema.Unknown(), request: () => ({ method: 'POST', path: '/' }) });
    const connector = defineConnector({ id: 'vendor', name: 'Vendor', baseUrl: 'https://vendor.invalid', auth: [scheme], actions: [action] });
    const secrets: Record<string, string> = { apiKey: API_KEY, signingSecret: SIGNING_SECRET };
    let recorded: AuditedRequest | undefined;
    let answered: CallAnswer | undefined;
    const http = createConnectorHttpClient({
      connector,
      baseUrl: vendorUrl,
      auth: { authorize: (outgoing) => applyAuth(outgoing, scheme, { get: async (name) => secrets[name] }, Date.now()) },
      dispatcher,
      clock: { now: () => Date.now() },
      signal: new AbortController().signal,
      timeoutMs: 5_000,
      audit: async (request) => {
        recorded = request;
        return { answered: (answer) => (answered = answer), unsent: () => {} };
      },
      auditBodyBytes: 4096,
      redactFields: ['cvc'],
    });
    await http.request(request);
    assert.ok(recorded && answered);
    return { request: recorded, answer: answered };
  }

  for (const name of ['X-Auth-Key', 'Ocp-Apim-Subscription-Key', 'DD-APPLICATION-KEY']) {
    it(`hides an API key sent in the ${name} header its scheme names`, async () => {
      const { request } = await audit(apiKey({ in: 'header', name }), { method: 'GET', path: '/v1/zones' });
      assert.equal(request.requestHeaders[name.toLowerCase()], '[REDACTED]');
      assert.doesNotMatch(JSON.stringify(request), new RegExp(API_KEY));
    });
  }

  it('hides an API key sent in the query parameter its scheme names, and keeps the rest of the query', async () => {
    const { request } = await audit(apiKey({ in: 'query', name: 'key' }), { method: 'GET', path: '/maps/api/geocode/json', query: { address: 'Main St', page: 2 } });
    assert.equal(request.url, `${vendorUrl}/maps/api/geocode/json?address=Main+St&page=2&key=[REDACTED]`);
    assert.doesNotMatch(JSON.stringify(request), new RegExp(API_KEY));
  });

  it("hides an hmac-signing scheme's signature header, whatever it is called, and keeps its timestamp", async () => {
    const scheme = hmacSigning({ header: 'X-Mac', timestampHeader: 'X-Mac-Time', payload: ['timestamp', 'body'] });
    const { request } = await audit(scheme, { method: 'POST', path: '/orders', body: { id: 1 } });
    assert.equal(request.requestHeaders['x-mac'], '[REDACTED]');
    assert.match(request.requestHeaders['x-mac-time'] ?? '', /^\d+$/);
  });

  it('redacts a form-encoded request and response by field name', async () => {
    const { request, answer } = await audit(apiKey({ in: 'header', name: 'X-Auth-Key' }), {
      method: 'POST',
      path: '/v1/payment_intents',
      bodyEncoding: 'form',
      body: { amount: 2000, currency: 'usd', card: { number: '4242424242424242', cvc: '123' }, client_secret: 'pi_1_secret_2', password: 'hunter2' },
    });
    assert.equal(request.requestBody, 'amount=2000&currency=usd&card[number]=[REDACTED]&card[cvc]=[REDACTED]&client_secret=[REDACTED]&password=[REDACTED]');
    assert.equal(answer.responseBody, 'access_token=[REDACTED]&token_type=bearer&scope=repo');
  });
});
