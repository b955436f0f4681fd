/**
 * What the audit log keeps of a connector's requests: no credential its auth scheme put on them,
 * whatever the header or query parameter is called, nor where the vendor echoes it back, and no
 * credential or card data in a form-encoded body.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { apiKey, basic, bearer, defineAction, defineConnector, hmacSigning, schema, type AuthScheme } from '@weft/sdk';
import { createConnectorHttpClient, type AuditedRequest } from './connector-http.ts';
import { applyAuth } from './auth/apply-auth.ts';
import type { CallAnswer } from '../store/store.ts';

const API_KEY = 'SUPER-SECRET-KEY-4f9a2c';
const SIGNING_SECRET = 'signing-secret-77e1';
const BEARER_TOKEN = 'tok_live_3c9d1e5f7a';
const BASIC_USER = 'AC8f2e4d6c';
const BASIC_PASSWORD = 'basic-password-91b3';

describe('the audit record of a connector request', () => {
  let vendor: Server;
  let vendorUrl: string;
  const dispatcher = new Agent();

  before(async () => {
    vendor = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/echo')) {
          // A debug endpoint, or an error quoting what it refused: every credential sent comes back.
          const basicAuth = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
          res
            .writeHead(400, { 'content-type': 'application/json', 'x-seen-auth': req.headers.authorization ?? '', 'x-seen-key': String(req.headers['x-auth-key'] ?? '') })
            .end(JSON.stringify({ error: { message: `refused ${req.headers.authorization ?? ''} for ${req.url}`, received: req.headers, basic: basicAuth } }));
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
          .end('access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&token_type=bearer&scope=repo');
      });
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
    const secrets: Record<string, string> = { apiKey: API_KEY, signingSecret: SIGNING_SECRET, token: BEARER_TOKEN, username: BASIC_USER, password: BASIC_PASSWORD };
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
    await http.request(request).catch((error: unknown) => {
      if (!request.path?.startsWith('/echo')) throw error;
    });
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

  const echoes: Array<[string, AuthScheme, string[]]> = [
    ['an API key header', apiKey({ in: 'header', name: 'X-Auth-Key' }), [API_KEY]],
    ['an API key query parameter', apiKey({ in: 'query', name: 'key' }), [API_KEY]],
    ['a prefixed API key', apiKey({ in: 'header', name: 'Authorization', prefix: 'Token ' }), [API_KEY]],
    ['a bearer token', bearer(), [BEARER_TOKEN]],
    ['a basic password', basic(), [BASIC_PASSWORD, Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')]],
  ];
  for (const [what, scheme, credentials] of echoes) {
    it(`hides ${what} the vendor echoes in its answer`, async () => {
      const { answer } = await audit(scheme, { method: 'GET', path: '/echo/v1/zones' });
      assert.equal(answer.status, 400);
      const recorded = JSON.stringify(answer);
      for (const credential of credentials) {
        assert.ok(!recorded.includes(credential), `${credential} is not on record`);
        assert.ok(!recorded.includes(encodeURIComponent(credential)), `${credential} is not on record percent-encoded`);
      }
      assert.match(answer.responseBody ?? '', /\/echo\/v1\/zones/, 'the rest of the answer stays');
    });
  }

  it('keeps a basic user name, an account id the vendor shows everywhere', async () => {
    const { answer } = await audit(basic(), { method: 'GET', path: '/echo/v1/zones' });
    assert.match(answer.responseBody ?? '', new RegExp(`"basic":"${BASIC_USER}:\\[REDACTED\\]"`));
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
